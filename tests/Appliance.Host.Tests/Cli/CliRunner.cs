using Appliance.Host.Cli;

namespace Appliance.Host.Tests.Cli;

/// <summary>Runs the command line in-process with the console swapped (tests using it belong to <see cref="ConsoleCollection"/>).</summary>
internal static class CliRunner
{
    public static async Task<(int Code, string Output, string Error)> Run(string[] args, string dataDir, string input = "")
    {
        var (oldOut, oldError, oldIn) = (Console.Out, Console.Error, Console.In);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        Console.SetIn(new StringReader(input));
        try
        {
            var code = await CommandLine.InvokeAsync([.. args, "--data-dir", dataDir]);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
            Console.SetIn(oldIn);
        }
    }
}
