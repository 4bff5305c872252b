using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// The image's first boot runs <c>appliance setup-code</c> and shows the code on the console (image-build/firstboot).
/// The service started afterwards must keep that code, not print a new one that makes the console's useless.
/// </summary>
public sealed class SetupCodeTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("setup-code-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task The_service_keeps_the_code_first_boot_made_and_that_code_makes_the_first_technician()
    {
        var made = await Processes.RunAsync(ApplianceProcess.Executable, ["setup-code", "--data-dir", _dataDir], TimeSpan.FromSeconds(30));
        Assert.Equal(0, made.ExitCode);
        var code = made.Stdout.Trim();
        Assert.Matches("^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$", code);

        var appliance = await ApplianceProcess.StartAsync([], dataDir: _dataDir);
        try
        {
            Assert.Contains("the one-time code made by 'appliance setup-code'", appliance.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Web UI setup code:", appliance.Output, StringComparison.Ordinal);
            using var session = new WebSession(appliance);
            Assert.Contains("<h1>Dashboard</h1>", await session.PostAsync("/setup", ("code", code), ("name", "tech"), ("password", WebSession.TechnicianPassword)),
                StringComparison.Ordinal);
        }
        finally
        {
            appliance.DisposeKeepingData();
        }

        var again = await Processes.RunAsync(ApplianceProcess.Executable, ["setup-code", "--data-dir", _dataDir], TimeSpan.FromSeconds(30));
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already has an account", again.Stderr, StringComparison.Ordinal);
    }
}
