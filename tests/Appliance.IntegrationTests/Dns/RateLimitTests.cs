using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Dns;

public sealed class RateLimitTests
{
    [Fact]
    public async Task RateLimit_ClientOverItsBurst_GetsRefused()
    {
        using var nsd = new Nsd();
        await nsd.StartAsync();
        var config = Path.Combine(Directory.CreateTempSubdirectory("cfg-").FullName, "appliance.json");
        await File.WriteAllTextAsync(config, """{ "dns": { "rateLimit": { "queriesPerSecond": 1, "burst": 5, "action": "refuse" } } }""");
        using var appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", nsd.Address]);

        // One kdig run sends 20 queries at once from one address.
        var names = Enumerable.Range(0, 20).Select(i => $"h{i}.test").ToArray();
        var result = await appliance.KdigAsync(names);

        var refused = result.Stdout.Split("status: REFUSED").Length - 1;
        var answered = result.Stdout.Split("status: NOERROR").Length - 1;
        Assert.InRange(answered, 5, 6);           // the burst (plus at most one refilled token)
        Assert.Equal(20 - answered, refused);
        Assert.Contains("exceeds its query rate", appliance.Output, StringComparison.Ordinal);
        Assert.Single(appliance.Output.Split("exceeds its query rate").Skip(1));   // logged once, not per query
    }
}
