using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Host;

/// <summary>A test class that gets its own appliance (local default, fresh data directory) for each test, for the web UI's tests.</summary>
public abstract class WebUiTest : IAsyncLifetime
{
    protected ApplianceProcess Appliance { get; private set; } = null!;

    /// <summary>Extra command-line arguments for the appliance (none: the local default).</summary>
    protected virtual IEnumerable<string> Arguments => [];

    public async Task InitializeAsync() => Appliance = await ApplianceProcess.StartAsync(Arguments);

    public Task DisposeAsync()
    {
        Appliance.Dispose();
        return Task.CompletedTask;
    }
}
