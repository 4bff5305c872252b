using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Dns;

/// <summary>What clients get when the upstream dies: stale answers where cached (RFC 8767), else SERVFAIL.</summary>
public sealed class UpstreamFailureTests
{
    [Fact]
    public async Task UpstreamDown_CachedNameServedStale_UncachedNameServFail()
    {
        using var nsd = new Nsd();
        await nsd.StartAsync();
        using var appliance = await ApplianceProcess.StartAsync(["--upstream", nsd.Address]);

        var fresh = await appliance.DigAsync("short.test");   // TTL 1 in the zone
        Assert.Equal("192.0.2.2", DigOutput.Answers(fresh.Stdout).Single()[4]);

        nsd.Stop();
        await Task.Delay(1_500);   // let the 1-second TTL run out

        var stale = await appliance.DigAsync("short.test");
        var uncached = await appliance.DigAsync("www.test");

        Assert.Equal("NOERROR", DigOutput.Status(stale.Stdout));
        var answer = DigOutput.Answers(stale.Stdout).Single();
        Assert.Equal("192.0.2.2", answer[4]);
        Assert.Equal("30", answer[1]);                                           // RFC 8767 §4 stale TTL
        Assert.Contains("EDE: 3 (Stale Answer)", stale.Stdout, StringComparison.Ordinal);   // RFC 8914
        Assert.Equal("SERVFAIL", DigOutput.Status(uncached.Stdout));
        Assert.Contains("EDE: 22", uncached.Stdout, StringComparison.Ordinal);   // No Reachable Authority
        Assert.True(await appliance.CounterAsync("staleAnswers") >= 1);

        // Failures less than half a second apart count once; three separate ones mark the upstream down.
        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(600);
            await appliance.DigAsync($"h{i}.test");
        }

        var health = await appliance.HealthAsync();
        Assert.False(health.GetProperty("upstreams")[0].GetProperty("healthy").GetBoolean(), "three separate failures mark the upstream down");
    }

    [Fact]
    public async Task SecondUpstream_FirstOneDead_AnswersFromSecond()
    {
        using var nsd = new Nsd();
        await nsd.StartAsync();
        var dead = $"127.0.0.1:{Processes.FreePort()}";   // nothing listens: ICMP port unreachable
        using var appliance = await ApplianceProcess.StartAsync(["--upstream", dead, "--upstream", nsd.Address]);

        for (var i = 0; i < 5; i++)
        {
            var result = await appliance.DigAsync($"h{i}.test");
            Assert.Equal("NOERROR", DigOutput.Status(result.Stdout));
            Assert.Equal($"192.0.2.{100 + i}", DigOutput.Answers(result.Stdout).Single()[4]);
        }
    }
}
