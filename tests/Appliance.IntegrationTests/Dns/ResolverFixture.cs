using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Dns;

/// <summary>One NSD upstream and one appliance in front of it, shared by the tests of a collection.</summary>
public sealed class ResolverFixture : IAsyncLifetime
{
    public Nsd Upstream { get; } = new();

    public ApplianceProcess Appliance { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Upstream.StartAsync();
        Appliance = await ApplianceProcess.StartAsync(["--upstream", Upstream.Address]);
    }

    public Task DisposeAsync()
    {
        Appliance?.Dispose();
        Upstream.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class ResolverCollection : ICollectionFixture<ResolverFixture>
{
    public const string Name = "resolver";
}
