using Appliance.TestSupport;

namespace Appliance.IntegrationTests.PacketPath;

/// <summary>
/// SNI and Host filtering end to end, the appliance inline as a router: real curl and openssl peers, a ClientHello cut
/// into tiny segments and TLS records, and the box's own counters.
/// </summary>
public sealed class InlineRouterTests(InlineRouterFixture box) : IClassFixture<InlineRouterFixture>
{
    // send HOST PORT HEX CHUNK: the bytes in CHUNK-byte TCP segments (Nagle off, a pause between them), then what came back.
    private const string SplitSender = """
        import socket, sys, time
        host, port, data, chunk = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3]), int(sys.argv[4])
        s = socket.create_connection((host, port), timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            for i in range(0, len(data), chunk):
                s.send(data[i:i + chunk])
                time.sleep(0.02)
            got = s.recv(4096)
            print("data" if got else "closed")
        except ConnectionResetError:
            print("reset")
        except socket.timeout:
            print("timeout")
        """;

    [Fact]
    public async Task A_blocked_SNI_is_reset_and_an_allowed_one_completes()
    {
        var blocked = await box.CurlAsync("https", InlineFilterFixture.BlockedName);
        Assert.NotEqual(0, blocked.ExitCode);
        Assert.Contains("reset", blocked.Stderr, StringComparison.OrdinalIgnoreCase);

        var allowed = await box.CurlAsync("https", InlineFilterFixture.AllowedName);
        Assert.True(allowed.ExitCode == 0, allowed.All);
        Assert.Equal("200", allowed.Stdout);
    }

    [Theory]
    [InlineData(InlineFilterFixture.BlockedName, false)]
    [InlineData(InlineFilterFixture.AllowedName, true)]
    public async Task Openssl_s_client_with_a_blocked_SNI_is_reset(string name, bool completes)
    {
        var result = await Topology.ExecAsync(box.Net.Client, "timeout", "10", "openssl", "s_client", "-connect", $"{box.Net.ServerV4}:443",
            "-servername", name, "-brief");
        Assert.Equal(completes, result.All.Contains("CONNECTION ESTABLISHED", StringComparison.Ordinal));
        if (!completes)
        {
            Assert.Contains("errno=104", result.All, StringComparison.Ordinal);   // ECONNRESET: the reset rule answered
        }
    }

    [Fact]
    public async Task A_blocked_HTTP_Host_is_reset_and_an_allowed_one_is_served()
    {
        var blocked = await box.CurlAsync("http", InlineFilterFixture.BlockedName);
        Assert.NotEqual(0, blocked.ExitCode);
        Assert.Contains("reset", blocked.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("200", (await box.CurlAsync("http", InlineFilterFixture.AllowedName)).Stdout);
    }

    [Theory]
    [InlineData(InlineFilterFixture.BlockedName, "reset")]
    [InlineData(InlineFilterFixture.AllowedName, "data")]   // the server's ServerHello: the flow got through
    public async Task A_ClientHello_across_TLS_records_and_small_segments_split_inside_the_name_is_still_judged(string name, string expected)
    {
        // Records of 40 bytes, segments of 25: the SNI straddles both kinds of boundary, and the whole hello takes
        // 7 segments, within the 12 packets (SYN and ACK among them) the ruleset queues per flow.
        var hello = Convert.ToHexString(Hellos.Stream(name, recordSize: 40));
        var result = await Topology.ExecAsync(box.Net.Client, "python3", "-c", SplitSender, box.Net.ServerV4, "443", hello, "25");
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(expected, result.Stdout.Trim());
    }

    [Fact]
    public async Task A_judged_flow_is_in_the_journal_with_its_source_and_the_policys_reason()
    {
        var before = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());   // the journal keeps milliseconds
        await box.CurlAsync("https", InlineFilterFixture.BlockedName);
        await box.CurlAsync("http", InlineFilterFixture.AllowedName);

        // The drain writes once a second; the journal is read as the DSL's timeline would be.
        var entries = new List<Appliance.Journal.JournalEntry>();
        await Eventually.True(() =>
        {
            using var journal = Appliance.Journal.QueryJournal.Open(Path.Combine(box.DataDir, "journal.db"));
            entries = [.. journal.Timeline(box.Net.ClientV4, before, TimeSpan.FromMinutes(5)).Where(e => e.At >= before)];   // not the fixture's own checks
            return entries.Any(e => e.Source == Appliance.Core.Policy.RequestSource.HttpHost);
        }, TimeSpan.FromSeconds(10), () => string.Join("; ", entries.Select(e => $"{e.Source} {e.Name} {e.Reason}")));

        var all = string.Join("; ", entries.Select(e => $"{e.At:HH:mm:ss.fff} {e.Client} {e.Source} {e.Name} {e.Reason} {e.Flags}"));
        var matches = entries.Where(e => e.Source == Appliance.Core.Policy.RequestSource.TlsSni && e.Name == InlineFilterFixture.BlockedName).ToList();
        Assert.True(matches.Count == 1, all);
        var sni = matches[0];
        Assert.Equal((ushort)Appliance.Core.Policy.ReasonCode.DnsBlockedCategory, sni.Reason);   // the same code a DNS block has
        Assert.True((sni.Flags & (byte)Appliance.Core.Events.QueryEventFlags.Blocked) != 0);
        var http = Assert.Single(entries, e => e.Source == Appliance.Core.Policy.RequestSource.HttpHost);
        Assert.Equal(InlineFilterFixture.AllowedName, http.Name);
        Assert.Equal((ushort)Appliance.Core.Policy.ReasonCode.DnsAllowedDefault, http.Reason);
    }

    [Fact]
    public async Task The_ruleset_the_appliance_installed_at_start_is_in_its_audit_log()
    {
        var show = await Peers.Processes.RunAsync(Peers.ApplianceProcess.Executable, ["audit", "show", "--data-dir", box.DataDir]);
        Assert.True(show.ExitCode == 0, show.All);
        var line = Assert.Single(show.Stdout.Split('\n'), l => l.Contains("firewall.applied", StringComparison.Ordinal));
        Assert.Contains("system", line, StringComparison.Ordinal);
        Assert.Contains("router", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_health_report_counts_what_the_queue_judged()
    {
        await box.CurlAsync("https", InlineFilterFixture.BlockedName);
        var health = await box.HealthAsync();
        var filter = health.GetProperty("packetFilter").GetProperty("filter");
        Assert.Equal("inline", filter.GetProperty("mode").GetString());
        Assert.True(filter.GetProperty("named").GetInt64() >= 1, filter.ToString());
        Assert.True(filter.GetProperty("blocked").GetInt64() >= 1, filter.ToString());
        // Two queues (--queue-balance 0:1), a worker each; a host pair's flows all hash to one of them.
        var queues = filter.GetProperty("queues").EnumerateArray().ToList();
        Assert.Equal([0, 1], queues.Select(q => q.GetProperty("queue").GetInt32()));
        Assert.True(queues.Sum(q => q.GetProperty("packets").GetInt64()) > 0);
        var kernel = health.GetProperty("packetFilter").GetProperty("kernel").EnumerateArray().Select(q => q.GetProperty("queue").GetInt32()).ToList();
        Assert.Contains(0, kernel);
        Assert.Contains(1, kernel);
    }
}

/// <summary>The same judgement on a transparent bridge: bridged traffic goes through br_netfilter to the queue.</summary>
public sealed class InlineBridgeTests(InlineBridgeFixture box) : IClassFixture<InlineBridgeFixture>
{
    [Fact]
    public async Task A_blocked_SNI_is_reset_and_an_allowed_one_completes_across_the_bridge()
    {
        var blocked = await box.CurlAsync("https", InlineFilterFixture.BlockedName);
        Assert.NotEqual(0, blocked.ExitCode);
        Assert.Contains("reset", blocked.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("200", (await box.CurlAsync("https", InlineFilterFixture.AllowedName)).Stdout);
    }
}

/// <summary>Fail-open, on a box of its own (the test kills it): a dead service must not cut the school off.</summary>
public sealed class InlineFailOpenTests(InlineFailOpenFixture box) : IClassFixture<InlineFailOpenFixture>
{
    [Fact]
    public async Task Killing_the_appliance_leaves_traffic_flowing()
    {
        Assert.NotEqual(0, (await box.CurlAsync("https", InlineFilterFixture.BlockedName)).ExitCode);
        box.Appliance.Signal(9);   // SIGKILL: no orderly stop, the queue's listener just vanishes
        Assert.True(await box.Appliance.WaitForExitAsync(TimeSpan.FromSeconds(10)) != 0 || box.Appliance.HasExited);

        // --queue-bypass: with nobody bound to the queue, the kernel lets the flows through (fail-open).
        var allowed = await box.CurlAsync("https", InlineFilterFixture.AllowedName);
        Assert.True(allowed.ExitCode == 0, allowed.All);
        var unjudged = await box.CurlAsync("https", InlineFilterFixture.BlockedName);
        Assert.True(unjudged.ExitCode == 0, unjudged.All);
    }
}

/// <summary>Monitor mode: libpcap watches the traffic; what the policy would have done is counted, nothing is enforced.</summary>
public sealed class MonitorModeTests(MonitorFixture box) : IClassFixture<MonitorFixture>
{
    [Fact]
    public async Task A_blocked_name_gets_through_but_is_counted_as_a_would_be_block()
    {
        var blocked = await box.CurlAsync("https", InlineFilterFixture.BlockedName);
        Assert.True(blocked.ExitCode == 0, blocked.All);
        Assert.True((await box.CurlAsync("http", InlineFilterFixture.BlockedName)).ExitCode == 0);

        var filter = default(System.Text.Json.JsonElement);
        await Eventually.True(async () =>
        {
            filter = (await box.HealthAsync()).GetProperty("packetFilter").GetProperty("filter");
            return filter.GetProperty("blocked").GetInt64() >= 2;
        }, TimeSpan.FromSeconds(10), () => filter.ToString());
        Assert.Equal("monitor", filter.GetProperty("mode").GetString());
        Assert.True(filter.GetProperty("monitorPackets").GetInt64() > 0);
        Assert.Empty(filter.GetProperty("queues").EnumerateArray());
    }
}

/// <summary>QUIC in "filter" mode: a real UDP exchange through the box, the Initial's SNI decides.</summary>
public sealed class QuicFilterTests(QuicFilterFixture box) : IClassFixture<QuicFilterFixture>
{
    // send HOST PORT HEX: one datagram from a connected UDP socket; "answered" when the echo comes back within 2 s.
    private const string Datagram = """
        import socket, sys
        host, port, data = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.connect((host, port))
        s.send(data)
        try:
            s.recv(2048)
            print("answered")
        except socket.timeout:
            print("timeout")
        except ConnectionRefusedError:
            print("refused")
        """;

    [Theory]
    [InlineData(InlineFilterFixture.AllowedName, "answered")]
    [InlineData(InlineFilterFixture.BlockedName, "refused")]   // ICMP port unreachable: the browser falls back to TCP, where it is reset
    public async Task A_QUIC_Initial_is_judged_by_its_SNI(string name, string expected)
    {
        var echo = await SocketProbes.ListenAsync(box.Net, box.Net.Server, "udp", 443);
        try
        {
            byte[] dcid = [.. Guid.NewGuid().ToByteArray()[..8]];
            var initial = InitialPackets.ProtectPadded(1, dcid, InitialPackets.Crypto(0, Hellos.Message(name)));
            var result = await Topology.ExecAsync(box.Net.Client, "python3", "-c", Datagram, box.Net.ServerV4, "443", Convert.ToHexString(initial));
            Assert.True(result.ExitCode == 0, result.All);
            Assert.Equal(expected, result.Stdout.Trim());
        }
        finally
        {
            box.Net.Stop(echo);
        }
    }
}
