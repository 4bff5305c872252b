using Appliance.IntegrationTests.Peers;
using Appliance.TestSupport;

namespace Appliance.IntegrationTests.Dns;

/// <summary>
/// Lists from a URL (a real HTTP server on loopback): fetched after start, reloaded on SIGHUP without a restart,
/// and a list that turns into an HTML page refused with an alert while the last good copy keeps blocking.
/// </summary>
public sealed class ListRefreshTests : IAsyncLifetime
{
    private readonly Nsd _nsd = new();
    private readonly ListServer _server = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("refresh-").FullName;
    private ApplianceProcess _appliance = null!;

    public async Task InitializeAsync()
    {
        await _nsd.StartAsync();
        _server.Set("gambling.txt", "www.test\nh1.test\nh2.test\n");
        var config = Path.Combine(_dir, "config.json");
        await File.WriteAllTextAsync(config, $$"""
            { "filtering": { "lists": [ { "source": "{{_server.Url("gambling.txt")}}" } ], "maxShrinkPercent": 50 } }
            """);
        _appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", _nsd.Address]);
    }

    public Task DisposeAsync()
    {
        _appliance.Dispose();
        _server.Dispose();
        _nsd.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<string> AddressOf(string name) => DigOutput.Answers((await _appliance.DigAsync(name)).Stdout) is [{ } first, ..] ? first[4] : "(none)";

    private async Task<bool> Eventually(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 50; i++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    [Fact]
    public async Task UrlList_FetchedAfterStart_CategoryFromItsName()
    {
        Assert.True(await Eventually(async () => await AddressOf("www.test") == "0.0.0.0"), _appliance.Output);

        var result = await _appliance.DigAsync("h1.test");
        Assert.Contains("(blocked: gambling)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sighup_ReloadsAChangedList_WithoutARestart()
    {
        Assert.True(await Eventually(async () => await AddressOf("h1.test") == "0.0.0.0"));
        _server.Set("gambling.txt", "www.test\nh1.test\nh2.test\nh5.test\n");

        _appliance.Reload();

        Assert.True(await Eventually(async () => await AddressOf("h5.test") == "0.0.0.0"), _appliance.Output);
        Assert.True((await _appliance.HealthAsync()).GetProperty("listReloads").GetInt64() >= 2);
    }

    [Fact]
    public async Task ListTurnsIntoHtml_RefusedWithAnAlert_LastGoodCopyStillBlocks()
    {
        Assert.True(await Eventually(async () => await AddressOf("www.test") == "0.0.0.0"));
        _server.Set("gambling.txt", "<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head></html>\n");

        _appliance.Reload();

        Assert.True(await Eventually(async () => (await _appliance.HealthAsync()).GetProperty("lists")[0].GetProperty("outcome").GetString() == "refused"));
        var list = (await _appliance.HealthAsync()).GetProperty("lists")[0];
        Assert.Contains("HTML", list.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, list.GetProperty("names").GetInt32());
        Assert.Contains("ALERT: list http://127.0.0.1", _appliance.Output, StringComparison.Ordinal);
        Assert.Equal("0.0.0.0", await AddressOf("www.test"));
    }
}
