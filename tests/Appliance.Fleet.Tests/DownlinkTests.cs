using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Core.Events;
using Appliance.Fleet.Downlink;
using Appliance.Fleet.Mqtt;
using Appliance.Fleet.Outbox;
using Appliance.TestSupport;
using LaFleet.Ops;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;

namespace Appliance.Fleet.Tests;

/// <summary>Signed commands and desired state from the LA, through a real Mosquitto, into the box.</summary>
public sealed class DownlinkTests : IAsyncLifetime
{
    private const string School = "SCH1";
    private const string Box = "apl-0001";
    private readonly string _dir = Directory.CreateTempSubdirectory("downlink-").FullName;
    private readonly Mosquitto _broker = new([Box]);
    private readonly ECDsa _laKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string Actor, string Action, string Subject, string Detail)> _audit = [];
    private readonly List<string> _policies = [];
    private OutboxStore _outbox = null!;
    private FleetLink _link = null!;
    private Task _linkRun = Task.CompletedTask;
    private int _counted;

    private sealed class ListAudit(List<(string, string, string, string)> entries) : IAuditSink
    {
        public bool Record(string actor, string action, string subject, string detail)
        {
            lock (entries)
            {
                entries.Add((actor, action, subject, detail));
            }

            return true;
        }
    }

    public async Task InitializeAsync()
    {
        _outbox = OutboxStore.Open(Path.Combine(_dir, "outbox.db"));
        var topics = new FleetTopics(Mosquitto.La, School, Box);
        var boxKey = ECDsa.Create();
        boxKey.ImportFromPem(_laKey.ExportSubjectPublicKeyInfoPem());   // the box holds only the public half
        var audit = new ListAudit(_audit);
        var verifier = new DownlinkVerifier(topics, boxKey, audit, TimeProvider.System);
        var commands = new CommandProcessor(verifier, _outbox, new Dictionary<string, CommandHandler>
        {
            ["echo"] = (args, _) => Task.FromResult(args.GetRawText()),
            ["count"] = (_, _) => Task.FromResult(Interlocked.Increment(ref _counted).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["fail"] = (_, _) => throw new InvalidOperationException("the lists could not be refreshed: network unreachable"),
        });
        var desired = new DesiredStateProcessor(verifier, _outbox, new Dictionary<string, DesiredPart>
        {
            ["policy"] = (value, actor, reason) =>
            {
                lock (_policies)
                {
                    _policies.Add($"{actor}|{reason}|{value.GetRawText()}");
                }

                return value.TryGetProperty("broken", out _) ? ["groups[0].name: is missing"] : [];
            },
        });
        _link = new FleetLink(new FleetOptions
        {
            Host = "127.0.0.1", Port = _broker.Port, UseTls = false, Password = Mosquitto.Password, Topics = topics,
            BackoffMin = TimeSpan.FromMilliseconds(100), BackoffMax = TimeSpan.FromSeconds(1),
        }, _outbox, TimeProvider.System, NullLogger.Instance, new FleetLink.FleetDownlink(commands, desired));
        _linkRun = _link.RunAsync(_stop.Token);
        await Eventually.True(() => _link.IsConnected, TimeSpan.FromSeconds(10), () => _broker.Log);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _linkRun;
        await _link.DisposeAsync();
        _outbox.Dispose();
        _broker.Dispose();
        _laKey.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<FleetOps> OpsAsync(ECDsa key) => FleetOps.ConnectAsync(
        BrokerConnection.Options("127.0.0.1", _broker.Port, "la-ops", "la-ops", Mosquitto.Password, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), false, null, null, null).Build(),
        Mosquitto.La, key, "la-2026", TimeProvider.System, CancellationToken.None);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public async Task A_signed_command_runs_once_and_answers_by_correlation_and_a_redelivery_is_answered_from_the_ledger()
    {
        await using var ops = await OpsAsync(_laKey);
        var echo = Json(await ops.CommandAsync(School, Box, "echo", """{"stream":"dns","fromSeq":41}""", TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.True(echo.GetProperty("ok").GetBoolean());
        Assert.Equal(41, echo.GetProperty("result").GetProperty("fromSeq").GetInt32());

        var first = await ops.CommandAsync(School, Box, "count", "{}", TimeSpan.FromSeconds(10), CancellationToken.None, id: "cmd-42");
        var again = await ops.CommandAsync(School, Box, "count", "{}", TimeSpan.FromSeconds(10), CancellationToken.None, id: "cmd-42");
        Assert.Equal(first, again);
        Assert.Equal(1, _counted);

        var failed = Json(await ops.CommandAsync(School, Box, "fail", "{}", TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.False(failed.GetProperty("ok").GetBoolean());
        Assert.Equal("the lists could not be refreshed: network unreachable", failed.GetProperty("error").GetString());
        var unknown = Json(await ops.CommandAsync(School, Box, "reboot", "{}", TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.StartsWith("unknown command 'reboot' (known: count, echo, fail)", unknown.GetProperty("error").GetString(), StringComparison.Ordinal);

        lock (_audit)
        {
            Assert.Equal(4, _audit.Count(a => a.Action == "command.received"));   // echo, count once, fail, reboot
            Assert.Contains(_audit, a => a is { Actor: "la:LA1", Action: "command.done", Subject: "fail" } && a.Detail.Contains("network unreachable", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_command_signed_with_another_key_is_refused_and_audited()
    {
        using var stolen = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var ops = await OpsAsync(stolen);
        var reply = Json(await ops.CommandAsync(School, Box, "count", "{}", TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.False(reply.GetProperty("ok").GetBoolean());
        Assert.Equal("refused: the signature does not verify with the LA's command key", reply.GetProperty("error").GetString());
        Assert.Equal(0, _counted);
        lock (_audit)
        {
            Assert.Contains(_audit, a => a is { Actor: "la:unverified", Action: "command.refused", Subject: "count" });
        }
    }

    [Fact]
    public async Task Desired_state_is_applied_once_per_version_and_reported_back_retained()
    {
        var reports = new List<JsonElement>();
        using var watcher = new MqttClientFactory().CreateMqttClient();
        watcher.ApplicationMessageReceivedAsync += e =>
        {
            lock (reports)
            {
                reports.Add(Json(Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload))));
            }

            return Task.CompletedTask;
        };
        await watcher.ConnectAsync(BrokerConnection.Options("127.0.0.1", _broker.Port, "la-ingest", "la-ingest", Mosquitto.Password, TimeSpan.Zero, TimeSpan.FromSeconds(30), false, null, null, null).Build());
        await watcher.SubscribeAsync($"la/{Mosquitto.La}/sch/{School}/apl/{Box}/up/state");

        await using var ops = await OpsAsync(_laKey);
        await ops.PushDesiredAsync(School, Box, 1, """{"policy":{"defaultGroup":"pupils"}}""", "term starts", CancellationToken.None);
        await Eventually.True(() => { lock (reports) { return reports.Count == 1; } }, TimeSpan.FromSeconds(10), () => "no report");
        await ops.PushDesiredAsync(School, Box, 1, """{"policy":{"defaultGroup":"pupils"}}""", "term starts", CancellationToken.None);   // same version again
        await ops.PushDesiredAsync(School, Box, 2, """{"policy":{"broken":true},"firmware":"9.9"}""", "bad push", CancellationToken.None);
        await Eventually.True(() => { lock (reports) { return reports.Count == 2; } }, TimeSpan.FromSeconds(10), () => "no second report");

        lock (reports)
        {
            Assert.Equal((1, true), (reports[0].GetProperty("desiredVersion").GetInt64(), reports[0].GetProperty("applied").GetBoolean()));
            Assert.Equal((2, false), (reports[1].GetProperty("desiredVersion").GetInt64(), reports[1].GetProperty("applied").GetBoolean()));
            Assert.Equal(["policy: groups[0].name: is missing", "firmware: not something this box applies (known: policy)"],
                reports[1].GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
        }

        lock (_policies)
        {
            Assert.Equal(["la:LA1|term starts|{\"defaultGroup\":\"pupils\"}", "la:LA1|bad push|{\"broken\":true}"], _policies);
        }
    }
}
