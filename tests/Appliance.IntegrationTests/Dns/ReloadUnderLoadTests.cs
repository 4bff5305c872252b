using System.Text;
using System.Text.RegularExpressions;
using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Dns;

/// <summary>
/// Issue 3: "no query is lost during a reload under full dnsperf load". dnsperf sends as fast as the appliance
/// answers while the 100,000-name list is re-read, recompiled and swapped in again and again (SIGHUP). Every
/// query must be answered, none with SERVFAIL. (Whether reloads slow queries is measured, not asserted: see
/// `tools/dnsload/run.sh --reload-every` and docs/performance.md; timings have no place in a shared-machine test.)
/// </summary>
public sealed partial class ReloadUnderLoadTests : IAsyncLifetime
{
    private const int ListNames = 100_000;

    private readonly Nsd _nsd = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("reload-load-").FullName;
    private ApplianceProcess _appliance = null!;

    public async Task InitializeAsync()
    {
        await _nsd.StartAsync();
        var list = new StringBuilder();
        for (var i = 0; i < ListNames; i++)
        {
            list.Append("blk").Append(i).Append(".zone").Append(i % 1000).Append(".blocked.example\n");
        }

        await File.WriteAllTextAsync(Path.Combine(_dir, "gambling.txt"), list.ToString());
        var queries = new StringBuilder();
        for (var i = 0; i < 50; i++)
        {
            queries.Append($"h{i}.test A\n").Append($"blk{i * 7}.zone{i * 7 % 1000}.blocked.example A\n");
        }

        await File.WriteAllTextAsync(Path.Combine(_dir, "queries.txt"), queries.ToString());
        var config = Path.Combine(_dir, "config.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "dns": { "rateLimit": { "queriesPerSecond": 0 } },
              "filtering": { "lists": [ { "source": "{{_dir}}/gambling.txt", "category": "gambling" } ] }
            }
            """);
        _appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", _nsd.Address]);
    }

    public Task DisposeAsync()
    {
        _appliance.Dispose();
        _nsd.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private Task<Processes.Result> Dnsperf(params string[] args)
        => Processes.RunAsync("dnsperf", ["-s", "127.0.0.1", "-p", _appliance.DnsPort.ToString(), "-d", Path.Combine(_dir, "queries.txt"), .. args],
            TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Reloads_UnderFullLoad_NoQueryLost_NoneFailed()
    {
        var warm = await Dnsperf("-n", "1");
        Assert.Contains("Queries lost:         0", warm.Stdout, StringComparison.Ordinal);
        var reloadsBefore = (await _appliance.HealthAsync()).GetProperty("listReloads").GetInt64();

        var load = Dnsperf("-l", "8", "-c", "10", "-q", "200", "-t", "5");
        var signals = 0;
        while (!load.IsCompleted)
        {
            await Task.Delay(400);
            _appliance.Reload();
            signals++;
        }

        var result = await load;
        await Task.Delay(1_000);
        var reloads = (await _appliance.HealthAsync()).GetProperty("listReloads").GetInt64() - reloadsBefore;

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"Queries lost:\s+0 \(0\.00%\)", result.Stdout);
        Assert.True(long.Parse(CompletedRegex().Match(result.Stdout).Groups[1].Value) > 10_000, result.Stdout);
        Assert.DoesNotContain("SERVFAIL", result.Stdout, StringComparison.Ordinal);
        Assert.True(reloads >= 5, $"{reloads} reloads for {signals} SIGHUPs:\n{_appliance.Output}");
        var blocked = await _appliance.DigAsync("blk7.zone7.blocked.example");
        Assert.Equal("0.0.0.0", DigOutput.Answers(blocked.Stdout).Single()[4]);
    }

    [GeneratedRegex(@"Queries completed:\s+(\d+)")]
    private static partial Regex CompletedRegex();
}
