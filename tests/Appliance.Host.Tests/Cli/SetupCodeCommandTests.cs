using Appliance.Host.Cli;
using Appliance.WebUI.Accounts;

namespace Appliance.Host.Tests.Cli;

/// <summary><c>appliance setup-code</c>: the code the image's first boot shows on the console.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class SetupCodeCommandTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("setup-code-cli-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Prints_only_the_code_on_stdout_and_that_code_makes_the_first_technician()
    {
        var (code, output, error) = await CliRunner.Run(["setup-code"], _dataDir);

        Assert.Equal(ExitCodes.Ok, code);
        var setupCode = output.Trim();
        Assert.Matches("^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$", setupCode);
        Assert.Contains("first technician", error, StringComparison.Ordinal);
        using var store = AccountStore.Open(_dataDir);
        Assert.True(store.HasConsoleSetupCode);
        Assert.Null(store.CompleteSetup(setupCode, "tech", "a-long-enough-password"));
        Assert.False(store.HasConsoleSetupCode);
    }

    [Fact]
    public async Task A_second_run_replaces_the_first_code()
    {
        var first = (await CliRunner.Run(["setup-code"], _dataDir)).Output.Trim();
        var second = (await CliRunner.Run(["setup-code"], _dataDir)).Output.Trim();

        using var store = AccountStore.Open(_dataDir);
        Assert.NotNull(store.CompleteSetup(first, "tech", "a-long-enough-password"));
        Assert.Null(store.CompleteSetup(second, "tech", "a-long-enough-password"));
    }

    [Fact]
    public async Task Once_an_account_exists_it_refuses_with_exit_2_and_prints_no_code()
    {
        using (var store = AccountStore.Open(_dataDir))
        {
            Assert.Null(store.Add("tech", WebRole.Technician, "a-long-enough-password"));
        }

        var (code, output, error) = await CliRunner.Run(["setup-code"], _dataDir);

        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Equal("", output);
        Assert.Contains("already has an account", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_it_cannot_open_is_named_with_exit_1()
    {
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "webui.db"), "this is not an SQLite database, it is a text file of some length");

        var (code, output, error) = await CliRunner.Run(["setup-code"], _dataDir);

        Assert.Equal(ExitCodes.RuntimeFailure, code);
        Assert.Equal("", output);
        Assert.Contains("webui.db", error, StringComparison.Ordinal);
    }
}
