using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Host;

/// <summary>systemd stops the service with SIGTERM: it must exit 0, cleanly, whatever it was doing.</summary>
public sealed class ShutdownTests
{
    [Theory]
    [InlineData("batched")]
    [InlineData("async")]
    public async Task Sigterm_AfterUdpTcpAndForwardedQueries_ExitsZeroWithoutErrors(string engine)
    {
        using var nsd = new Nsd();
        await nsd.StartAsync();
        var config = Path.Combine(Directory.CreateTempSubdirectory("cfg-").FullName, "appliance.json");
        await File.WriteAllTextAsync(config, $$"""{ "dns": { "udpEngine": "{{engine}}" } }""");
        using var appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", nsd.Address]);
        await appliance.DigAsync("www.test");
        await appliance.DigAsync("+tcp", "big.test", "TXT");
        await appliance.KdigAsync("+tcp", "+keepopen", "h1.test", "h2.test");   // leaves work for shutdown too

        var exitCode = appliance.StopGracefully();

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("Unhandled exception", appliance.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("double free", appliance.Output, StringComparison.Ordinal);
    }
}
