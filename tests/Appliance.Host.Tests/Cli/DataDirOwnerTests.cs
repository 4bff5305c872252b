using Appliance.Host.Cli;

namespace Appliance.Host.Tests.Cli;

/// <summary>Root running a command on the service's data directory would leave root-only files the service cannot read.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class DataDirOwnerTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("owner-cli-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Root_on_a_data_directory_of_another_user_is_refused_with_the_command_to_use_and_nothing_is_made()
    {
        Assert.Equal("root", Environment.UserName);   // the tests run as root (network namespaces, nspawn)
        using (var chown = System.Diagnostics.Process.Start("chown", ["nobody", _dataDir]))
        {
            await chown.WaitForExitAsync();
            Assert.Equal(0, chown.ExitCode);
        }

        var (code, output, error) = await CliRunner.Run(["setup-code"], _dataDir);

        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Equal("", output);
        Assert.Contains($"the data directory {_dataDir} belongs to user nobody", error, StringComparison.Ordinal);
        Assert.Contains("runuser -u nobody -- appliance", error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dataDir));

        var check = await CliRunner.Run(["config", "check", "--upstream", "192.0.2.53:53"], _dataDir);   // only reads: allowed (the image's first boot runs it as root)
        Assert.Equal((ExitCodes.Ok, ""), (check.Code, check.Error));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dataDir));
    }
}
