using Appliance.PacketFilter.Firewall;

namespace Appliance.IntegrationTests.PacketPath;

/// <summary>
/// The ruleset's side of the verdict loop's contract, with a stand-in loop (<see cref="VerdictStub"/>) on queue 0 and a
/// plain HTTP GET (curl sends SYN, ACK, the request, ACKs and FIN: several original-direction packets).
/// </summary>
public sealed partial class FirewallRouterTests
{
    private async Task<(string Curl, QueueCounters Queue, string WebLog)> GetThroughVerdicts(string answer)
    {
        var web = await SocketProbes.WebServerAsync(Net, Net.Server);
        try
        {
            await _box.ApplyAsync();
            var stub = await VerdictStub.StartAsync(Net, Net.Box, 0, answer);
            var curl = await Topology.ExecAsync(Net.Client, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--retry", "3", "--retry-connrefused",
                "--retry-delay", "1", $"http://{PacketPathFixture.WebServerV4}/");
            var proc = await Topology.ExecAsync(Net.Box, "cat", QueueCounters.ProcPath);
            Net.Stop(stub);
            return (curl.ExitCode == 0 ? curl.Stdout : $"curl exit {curl.ExitCode}", QueueCounters.Parse(proc.Stdout).Single(), web.Output);
        }
        finally
        {
            Net.Stop(web);
            await _box.RemoveAsync();
        }
    }

    [Fact]
    public async Task Verdict_AcceptWithDecided_OnlyTheFirstPacketIsQueued()
    {
        var (curl, queue, _) = await GetThroughVerdicts("allow");

        Assert.Equal("200", curl);
        // The SYN was accepted with Decided; mangle POSTROUTING saved it to the connmark, so the rest of the flow
        // (ACK, request, FIN) took the fast path. An NF_ACCEPT resumes at the next hook: a save in FORWARD would never run.
        Assert.Equal(1u, queue.IdSequence);
    }

    [Fact]
    public async Task Verdict_AcceptWithoutMark_EveryPacketUpToTheCapIsQueuedAgain()
    {
        var (curl, queue, _) = await GetThroughVerdicts("undecided");

        Assert.Equal("200", curl);
        Assert.InRange(queue.IdSequence, 4u, 12u);   // SYN, ACK, GET, ACK, FIN… each asked about, never more than connbytes 0:12
    }

    [Fact]
    public async Task Verdict_RepeatWithBlock_TheRepeatedPacketMeetsTheReset()
    {
        var (curl, queue, webLog) = await GetThroughVerdicts("block");

        Assert.Equal("curl exit 7", curl);   // "Failed to connect": the SYN was answered with a reset, on every retry
        Assert.InRange(queue.IdSequence, 1u, 4u);   // each connection attempt queued once: the repeated packet is not queued again
        Assert.DoesNotContain("GET /", webLog, StringComparison.Ordinal);
    }
}
