using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Appliance.Fleet.Outbox;
using Appliance.IntegrationTests.Peers;
using Appliance.Protocols.Dns;
using Appliance.TestSupport;
using LaFleet.Ingest;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.IntegrationTests.Fleet;

/// <summary>
/// The real appliance with a fleet section, a real Mosquitto, and the LA's ingest: what the resolver decides
/// reaches the LA, and a SIGKILLed appliance loses nothing it had committed to its outbox and duplicates nothing.
/// </summary>
public sealed partial class FleetLinkTests : IAsyncLifetime
{
    private const string School = "SCH7";
    private const string Box = "apl-it-1";
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-it-").FullName;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("fleet-it-data-").FullName;
    private Mosquitto _broker = null!;
    private SqliteIngestStore _store = null!;
    private IngestService _ingest = null!;
    private readonly CancellationTokenSource _stop = new();
    private Task _ingestRun = Task.CompletedTask;
    private string _config = "";

    public async Task InitializeAsync()
    {
        _broker = new Mosquitto([Box]);
        _store = new SqliteIngestStore(Path.Combine(_dir, "la.db"));
        _ingest = new IngestService(new IngestOptions
        {
            Host = "127.0.0.1",
            Port = _broker.Port,
            La = Mosquitto.La,
            UseTls = false,
            Password = Mosquitto.Password,
            AckEvery = TimeSpan.FromMilliseconds(300),
        }, _store, TimeProvider.System, NullLogger.Instance);
        _ingestRun = _ingest.RunAsync(_stop.Token);

        var list = Path.Combine(_dir, "gambling.txt");
        await File.WriteAllTextAsync(list, "blocked.test\n");
        var password = Path.Combine(_dir, "broker-password");
        await File.WriteAllTextAsync(password, Mosquitto.Password + "\n");
        var keygen = await LaFleet("keygen", "--out", Path.Combine(_dir, "la-command"));
        Assert.True(keygen.ExitCode == 0, keygen.All);
        _config = Path.Combine(_dir, "appliance.json");
        await File.WriteAllTextAsync(_config, JsonSerializer.Serialize(new
        {
            dns = new { rateLimit = new { queriesPerSecond = 0 } },
            filtering = new { lists = new[] { new { source = list, category = "gambling" } } },
            alerts = new { rules = new[] { new { name = "gambling-watch", categories = new[] { "gambling" }, severity = "low" } }, maxPerDevicePerHour = 1 },
            panel = new { driver = "fake", id = "panel-4", room = "Room 4", subnets = new[] { "127.0.0.0/8" }, deliveryGraceSeconds = 5, capture = new { @interface = "lo" } },
            fleet = new
            {
                broker = $"127.0.0.1:{_broker.Port}", la = Mosquitto.La, school = School, applianceId = Box, passwordFile = password, tls = false,
                commandKeyFile = Path.Combine(_dir, "la-command.pub"),
            },
        }));
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _ingestRun;
        await _ingest.DisposeAsync();
        _store.Dispose();
        _broker.Dispose();
        Directory.Delete(_dir, recursive: true);
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);   // a test's ApplianceProcess may have removed it already
        }
    }

    /// <summary>The LA's own tool, as an operator runs it (built with the solution).</summary>
    private static Task<Processes.Result> LaFleet(params string[] args)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Appliance.sln")))
        {
            root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        }

        var dll = Path.Combine(root, "tools", "la-fleet", "bin", "Release", "net10.0", "la-fleet.dll");
        return Processes.RunAsync("dotnet", [dll, .. args], TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["LA_FLEET_PASSWORD"] = Mosquitto.Password });
    }

    private string[] Ops(string command, params string[] args)
        => [command, .. args, "--broker", $"127.0.0.1:{_broker.Port}", "--la", Mosquitto.La, "--user", "la-ops", "--no-tls",
            "--key", Path.Combine(_dir, "la-command.key"), "--school", School, "--appliance", Box];

    [Fact]
    public async Task The_LA_sets_the_policy_by_signed_desired_state_and_commands_the_box()
    {
        using var appliance = await StartApplianceAsync();
        var policy = Path.Combine(_dir, "la-policy.json");
        await File.WriteAllTextAsync(policy, """{ "defaultGroup": "pupils", "groups": [ { "name": "pupils", "blockedCategories": ["gambling", "pornography"] } ] }""");

        var push = await LaFleet(Ops("push", "--version", "7", "--policy", policy, "--reason", "LA baseline for secondary schools"));
        Assert.True(push.ExitCode == 0, push.All);
        await Eventually.True(() => appliance.HealthAsync().GetAwaiter().GetResult().GetProperty("policyVersion").GetInt64() == 2, TimeSpan.FromSeconds(20),
            () => appliance.Output);

        var status = await LaFleet(Ops("cmd", "status"));
        Assert.True(status.ExitCode == 0, status.All);
        var reply = JsonDocument.Parse(status.Stdout).RootElement;
        Assert.True(reply.GetProperty("ok").GetBoolean());
        Assert.Equal(2, reply.GetProperty("result").GetProperty("policyVersion").GetInt64());

        var verify = JsonDocument.Parse((await LaFleet(Ops("cmd", "audit.verify"))).Stdout).RootElement.GetProperty("result");
        Assert.True(verify.GetProperty("intact").GetBoolean());

        var ack = await LaFleet(Ops("incidents", "ack", "17"));
        Assert.True(ack.ExitCode == 0, ack.All);
        Assert.Contains("\"acknowledged\":17,\"changed\":false", ack.Stdout, StringComparison.Ordinal);   // there is no incident 17

        var wrong = await LaFleet(Ops("cmd", "resend", "--args", """{"stream":"nope","fromSeq":1}"""));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("resend needs", wrong.Stdout, StringComparison.Ordinal);

        // The LA points the box at a list by URL and SHA-256: fetched, checked and blocking within seconds.
        using var lists = new ListServer();
        lists.Set("la-gambling.txt", "casino-la.test\n");
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("casino-la.test\n"u8));
        var listsFile = Path.Combine(_dir, "la-lists.json");
        await File.WriteAllTextAsync(listsFile, $$"""[ { "source": "{{lists.Url("la-gambling.txt")}}", "category": "gambling", "sha256": "{{sha}}" } ]""");
        var pushLists = await LaFleet(Ops("push", "--version", "8", "--lists", listsFile, "--reason", "LA gambling list"));
        Assert.True(pushLists.ExitCode == 0, pushLists.All);
        await Eventually.True(() => appliance.DigAsync("casino-la.test").GetAwaiter().GetResult().Stdout.Contains("0.0.0.0", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), () => appliance.Output);

        // A list without a checksum or signature is refused by name, and reported back.
        await File.WriteAllTextAsync(listsFile, $$"""[ { "source": "{{lists.Url("other.txt")}}", "category": "gambling" } ]""");
        Assert.Equal(0, (await LaFleet(Ops("push", "--version", "9", "--lists", listsFile, "--reason", "unchecked list"))).ExitCode);

        // The box's own audit log names the LA as the actor of the policy change and lists each command.
        var audit = await Processes.RunAsync(ApplianceProcess.Executable, ["audit", "show", "--data-dir", _dataDir], TimeSpan.FromSeconds(30));
        Assert.Contains(" la:LA1 policy.apply policy v2 {\"reason\":\"LA baseline for secondary schools\"", audit.Stdout, StringComparison.Ordinal);
        Assert.Contains(" la:LA1 desired.applied desired v7 ", audit.Stdout, StringComparison.Ordinal);
        Assert.Contains(" la:LA1 command.received status ", audit.Stdout, StringComparison.Ordinal);
        Assert.Contains(" la:LA1 command.done resend {\"id\":", audit.Stdout, StringComparison.Ordinal);
        Assert.Contains(" la:LA1 command.done incident.ack ", audit.Stdout, StringComparison.Ordinal);
        Assert.Contains(" la:LA1 desired.applied desired v8 ", audit.Stdout, StringComparison.Ordinal);
        await Eventually.True(() => Processes.RunAsync(ApplianceProcess.Executable, ["audit", "show", "--data-dir", _dataDir], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult()
            .Stdout.Contains("lists: [0]: needs a sha256 or a signatureUrl", StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => "v9 not refused");
    }

    [Fact]
    public async Task The_LA_sets_the_boxs_settings_the_box_restarts_its_services_to_take_them_and_refuses_what_is_not_the_LAs()
    {
        using var appliance = await StartApplianceAsync();
        var before = await appliance.HealthAsync();
        Assert.False(before.GetProperty("config").GetProperty("laSettings").GetBoolean());
        var epoch = before.GetProperty("fleet").GetProperty("epoch").GetInt64();

        // A new alert rule for the LA's own staff, and a shorter query retention.
        var settings = Path.Combine(_dir, "la-settings.json");
        await File.WriteAllTextAsync(settings, """
            { "alerts": { "rules": [ { "name": "la-gambling", "categories": ["gambling"], "severity": "high" } ] }, "journal": { "queryRetentionDays": 7 } }
            """);
        var push = await LaFleet(Ops("push", "--version", "20", "--config", settings, "--reason", "LA alerting baseline"));
        Assert.True(push.ExitCode == 0, push.All);
        await appliance.WaitForRestartAsync(h => h.GetProperty("config").GetProperty("laSettings").GetBoolean(), TimeSpan.FromSeconds(30));
        Assert.Contains("appliance: restarting: the LA's configuration changed", appliance.Output, StringComparison.Ordinal);
        Assert.NotEqual(before.GetProperty("config").GetProperty("sha256").GetString(), (await appliance.HealthAsync()).GetProperty("config").GetProperty("sha256").GetString());

        // The restarted services run on them: a gambling block now raises the LA's rule, which reaches the LA.
        Assert.Contains("0.0.0.0", (await appliance.DigAsync("casino.blocked.test")).Stdout, StringComparison.Ordinal);
        await Eventually.True(() => _store.Records(Box, Streams.Alert, epoch).Any(r => r.Record.Contains("\"la-gambling\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), () => appliance.Output);
        await Eventually.True(() => _store.Status().SingleOrDefault()?.Reported?.Contains("\"desiredVersion\":20", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(30), () => "no reported state at the LA");

        // What only the box's own file may set is refused by name, reported to the LA, and nothing changes or restarts.
        await File.WriteAllTextAsync(settings, """{ "dataDir": "/tmp/elsewhere", "fleet": { "broker": "198.51.100.7:1883" } }""");
        Assert.Equal(0, (await LaFleet(Ops("push", "--version", "21", "--config", settings, "--reason", "should be refused"))).ExitCode);
        await Eventually.True(() => _store.Status().Single().Reported?.Contains("\"desiredVersion\":21", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(30), () => "v21 not reported");
        var status = await LaFleet("status", "--db", Path.Combine(_dir, "la.db"));
        Assert.Contains("desired v21: NOT applied: config: dataDir: is set on the box itself, not by the LA", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("config: fleet.broker: is set on the box itself", status.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, appliance.Output.Split("appliance: restarting:").Length - 1);
        var kept = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dataDir, "la-config.json"))).RootElement;
        Assert.Equal(7, kept.GetProperty("journal").GetProperty("queryRetentionDays").GetInt32());
    }

    private Task<ApplianceProcess> StartApplianceAsync()
        => ApplianceProcess.StartAsync(["--config", _config, "--upstream", "127.0.0.1:9"], dataDir: _dataDir);

    private static async Task QueryAsync(int port, int from, int count)
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Connect(IPAddress.Loopback, port);
        var answer = new byte[512];
        for (var i = from; i < from + count; i++)
        {
            var name = DnsName.Encode($"q{i}.blocked.test");
            var query = new byte[12 + name.Length + 4];
            BinaryPrimitives.WriteUInt16BigEndian(query, (ushort)i);
            query[2] = 0x01;
            query[5] = 1;
            name.CopyTo(query, 12);
            query[^3] = 1;
            query[^1] = 1;
            await udp.SendAsync(query);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await udp.ReceiveAsync(answer, timeout.Token);
        }
    }

    private static long BlockLastSeq(JsonElement health) => health.GetProperty("fleet").GetProperty("streams").EnumerateArray()
        .SingleOrDefault(s => s.GetProperty("stream").GetString() == Streams.Block) is { ValueKind: JsonValueKind.Object } block
        ? block.GetProperty("lastSeq").GetInt64()
        : 0;

    [Fact]
    public async Task Blocks_reach_the_LA_and_a_SIGKILLed_appliance_resumes_without_loss_or_duplicates()
    {
        var appliance = await StartApplianceAsync();
        long epoch;
        long atKill;
        try
        {
            await QueryAsync(appliance.DnsPort, 0, 300);
            var health = await appliance.HealthAsync();
            epoch = health.GetProperty("fleet").GetProperty("epoch").GetInt64();
            await Eventually.True(() => _store.Records(Box, Streams.Block, epoch).Count == 300, TimeSpan.FromSeconds(30),
                () => $"LA has {_store.Records(Box, Streams.Block, epoch).Count}; {appliance.Output}");

            var first = JsonDocument.Parse(_store.Records(Box, Streams.Block, epoch)[0].Record).RootElement;
            Assert.Equal("block", first.GetProperty("kind").GetString());
            Assert.Equal("127.0.0.1", first.GetProperty("client").GetString());
            Assert.Equal(110, first.GetProperty("reason").GetInt32());
            Assert.Equal("gambling", first.GetProperty("categories")[0].GetString());
            Assert.StartsWith("q", first.GetProperty("name").GetString(), StringComparison.Ordinal);
            Assert.Equal("online", Assert.Single(_store.Status()).Presence);

            // The audit log's entries reach the LA with their hashes (the LA anchors the box's chain).
            await Eventually.True(() => _store.Records(Box, Streams.Audit, epoch).Count >= 2, TimeSpan.FromSeconds(30), () => "no audit records");
            var audit = _store.Records(Box, Streams.Audit, epoch).Select(r => JsonDocument.Parse(r.Record).RootElement).ToList();
            Assert.Equal(["config.changed", "policy.apply"], audit.Select(a => a.GetProperty("action").GetString()));
            Assert.Equal(audit[0].GetProperty("hash").GetString(), audit[1].GetProperty("previousHash").GetString());

            // The 300 blocks raised one alert (the limit is one an hour), which the LA's staff list.
            await Eventually.True(() => _store.Records(Box, Streams.Alert, epoch).Count == 1, TimeSpan.FromSeconds(30), () => "no alert at the LA");
            var listed = await LaFleet("incidents", "list", "--alerts", "--db", Path.Combine(_dir, "la.db"));
            Assert.True(listed.ExitCode == 0, listed.All);
            Assert.Matches(@"SCH7\s+apl-it-1\s+1\s+LOW gambling-watch 127\.0\.0\.1 \(default\): q0\.blocked\.test #1", listed.Stdout);

            // And the health report, at start and every five minutes: one NDJSON line holding the /api/health document.
            await Eventually.True(() => _store.Records(Box, Streams.Health, epoch).Count >= 1, TimeSpan.FromSeconds(30), () => "no health record");
            var report = JsonDocument.Parse(_store.Records(Box, Streams.Health, epoch)[0].Record).RootElement.GetProperty("report");
            Assert.Equal("127.0.0.1:" + appliance.DnsPort, report.GetProperty("dnsEndPoints")[0].GetString());
            var status = await LaFleet("status", "--db", Path.Combine(_dir, "la.db"));
            Assert.Matches(@"SCH7\s+apl-it-1\s+online\s+\S+\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+\s+[\d,]+ records \(", status.Stdout);
            Assert.Contains("block    epoch ", status.Stdout, StringComparison.Ordinal);

            // The broker hangs (SIGSTOP) while 5,000 more blocks are decided and committed to the outbox; the
            // appliance is SIGKILLed with publishes in flight that no broker acknowledged.
            _broker.Pause();
            await QueryAsync(appliance.DnsPort, 300, 5_000);
            await Eventually.True(() => BlockLastSeq(appliance.HealthAsync().GetAwaiter().GetResult()) == 5_300, TimeSpan.FromSeconds(30), () => "drain");
            appliance.Kill();
            atKill = _store.Records(Box, Streams.Block, epoch).Count;
            _broker.Resume();
        }
        finally
        {
            appliance.DisposeKeepingData();
        }

        // What the dead appliance had committed is what its outbox says on restart; all of it must arrive once.
        appliance = await StartApplianceAsync();
        try
        {
            var health = await appliance.HealthAsync();
            Assert.Equal(epoch, health.GetProperty("fleet").GetProperty("epoch").GetInt64());
            var lastSeq = BlockLastSeq(health);
            Assert.Equal(5_300, lastSeq);
            Assert.True(lastSeq > atKill, $"the LA had {atKill} of the {lastSeq} committed records at the kill: nothing was left to resume");

            await Eventually.True(() => _store.Progress().Any(p => p.Stream == Streams.Block && p.Contiguous == lastSeq), TimeSpan.FromSeconds(60),
                () => string.Join("; ", _store.Progress()));
            var records = _store.Records(Box, Streams.Block, epoch);
            Assert.Equal(lastSeq, records.Count);
            Assert.Equal(Enumerable.Range(1, (int)lastSeq).Select(i => (long)i), records.Select(r => r.Seq));
            Assert.Equal(records.Count, records.Select(r => JsonDocument.Parse(r.Record).RootElement.GetProperty("name").GetString()).Distinct().Count());
        }
        finally
        {
            appliance.DisposeKeepingData();
        }
    }
}
