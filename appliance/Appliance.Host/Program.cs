using Appliance.Host.Cli;

namespace Appliance.Host;

/// <summary>The <c>appliance</c> executable. Exit codes (DESIGN §6): 0 ok, 1 runtime failure, 2 bad usage or config.</summary>
public static class Program
{
    public static string Version { get; } =
        typeof(Program).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static Task<int> Main(string[] args) => CommandLine.InvokeAsync(args);
}
