using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Appliance.Fleet.Mqtt;
using Appliance.Fleet.Outbox;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace LaFleet.Ingest;

/// <summary>
/// The LA's ingest (../shared/reference/mqtt-fleet.md §5 "End-to-end ack"): a shared subscription on every box's
/// <c>up/#</c> with a persistent session and manual acknowledgement — a PUBACK goes back only after the records
/// are committed, so a crash of the ingest loses nothing; inserts are idempotent on (appliance, stream, epoch, seq);
/// and every <see cref="IngestOptions.AckEvery"/> each box is told, on its <c>down/ack</c>, how far each stream is
/// stored without a hole (and, for a hole older than <see cref="IngestOptions.GapPatience"/>, where to resend from).
/// </summary>
public sealed partial class IngestService : IAsyncDisposable
{
    private readonly IngestOptions _options;
    private readonly IIngestStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;
    private readonly Dictionary<(string Appliance, string Stream, long Epoch), (long Contiguous, DateTimeOffset Since)> _holes = [];
    private readonly AckSchedule _acks = new();

    /// <summary>
    /// Progress is acknowledged again this often even when it has not moved: an ack that reached the box before the
    /// box had marked the chunks sent removes nothing there, and the box must hear it again.
    /// </summary>
    public static readonly TimeSpan RepeatAckEvery = TimeSpan.FromSeconds(10);
    private long _records;
    private long _rejected;
    private bool _subscribed;

    public IngestService(IngestOptions options, IIngestStore store, TimeProvider time, ILogger logger)
    {
        _options = options;
        _store = store;
        _time = time;
        _logger = logger;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>Records newly stored since start.</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>Messages refused: undecodable, or from an appliance under a school it is not registered to.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Connected and subscribed: messages published from now on reach this ingest.</summary>
    public bool IsConnected => _client.IsConnected && Volatile.Read(ref _subscribed);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var lastAck = _time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    await ConnectAsync(stoppingToken).ConfigureAwait(false);
                    failures = 0;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, stoppingToken).ConfigureAwait(false);
                if (_time.GetUtcNow() - lastAck >= _options.AckEvery)
                {
                    lastAck = _time.GetUtcNow();
                    await AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(failures, 10))) * (0.5 + Random.Shared.NextDouble() / 2));
                Log.Down(_logger, ex.Message, delay);
                try
                {
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        if (_client.IsConnected)
        {
            await _client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.NormalDisconnection, "ingest stopping").ConfigureAwait(false);
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var options = BrokerConnection.Options(_options.Host, _options.Port, _options.ClientId, _options.Username, _options.Password,
            TimeSpan.FromDays(7), TimeSpan.FromSeconds(30), _options.UseTls, _options.CaFile, _options.CertFile, _options.KeyFile).Build();
        Volatile.Write(ref _subscribed, false);
        var result = await _client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        // Subscribed again even when the broker says the session is present: Mosquitto 2.0 restores a persisted
        // session without its shared subscriptions (a test caught the ingest receiving nothing after a broker crash).
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic($"$share/ingest/la/{_options.La}/sch/+/apl/+/up/#").WithAtLeastOnceQoS())
            .Build(), cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _subscribed, true);
        Log.Connected(_logger, _options.Host, _options.Port, result.IsSessionPresent);
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // PUBACK only after the commit below: if this process dies first, the broker delivers the message again.
        e.AutoAcknowledge = false;
        var message = e.ApplicationMessage;
        try
        {
            Handle(message);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException or IOException)
        {
            // The database failed (full disk, server down): no PUBACK, and a new connection, so the broker delivers
            // this and whatever follows again instead of holding them behind an unacknowledged message.
            Log.StoreFailed(_logger, message.Topic, ex.Message);
            _ = _client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.UnspecifiedError, "store failed");
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Undecodable or malformed in any way: acknowledged anyway (redelivery would not fix it; holding it would
            // stall this ingest behind it), and the box that sent it named.
            Interlocked.Increment(ref _rejected);
            Log.Rejected(_logger, message.Topic, ex.Message);
        }

        await e.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private void Handle(MqttApplicationMessage message)
    {
        // la/{la}/sch/{school}/apl/{apl}/up/{kind}[/{stream}]
        var parts = message.Topic.Split('/');
        if (parts.Length < 8 || parts[0] != "la" || parts[1] != _options.La || parts[2] != "sch" || parts[4] != "apl" || parts[6] != "up")
        {
            throw new FormatException("not an appliance's up topic");
        }

        var (school, appliance) = (parts[3], parts[5]);
        var registered = _store.RegisteredSchool(appliance);
        if ((registered is not null && registered != school) || (registered is null && _options.StrictRegistry))
        {
            // One %u pattern cannot bind a box to its school (reference §4): the registry does.
            throw new FormatException(registered is null ? $"appliance {appliance} is not registered" : $"appliance {appliance} is registered to school {registered}, not {school}");
        }

        switch (parts[7])
        {
            case "presence":
                Presence(school, appliance, message);
                return;
            case "state" when parts.Length == 8:
                // The box's retained report of the desired version it took and what it refused; the LA's status shows it.
                using (var document = JsonDocument.Parse(message.Payload.ToArray()))
                {
                    _store.SetReported(appliance, document.RootElement.GetRawText(), _time.GetUtcNow());
                }

                return;
            case "incident" when parts.Length == 8:
                Store(school, appliance, Streams.Incident, message);
                return;
            case "log" when parts.Length == 9 && Streams.IsKnown(parts[8]):
                Store(school, appliance, parts[8], message);
                return;
            default:
                return;   // reply, job: read by the other commands
        }
    }

    private void Store(string school, string appliance, string stream, MqttApplicationMessage message)
    {
        var epoch = Property(message, "epoch");
        var first = Property(message, "seq-first");
        var count = Property(message, "count");
        var payload = message.Payload.ToArray();
        var text = Encoding.UTF8.GetString(ChunkCodec.Decompress(payload));
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != count || first < 1)
        {
            throw new FormatException($"chunk {stream} seq {first}: {lines.Length} records, the header says {count}");
        }

        var stored = _store.Store(new IngestBatch(school, appliance, stream, epoch, first, lines));
        Interlocked.Add(ref _records, stored);
    }

    private void Presence(string school, string appliance, MqttApplicationMessage message)
    {
        using var document = JsonDocument.Parse(message.Payload.ToArray());
        var root = document.RootElement;
        _store.SetPresence(school, appliance, root.GetProperty("state").GetString() ?? "?",
            root.TryGetProperty("version", out var v) ? v.GetString() : null,
            root.TryGetProperty("epoch", out var e) && e.TryGetInt64(out var epoch) ? epoch : null, _time.GetUtcNow());
    }

    private static long Property(MqttApplicationMessage message, string name)
    {
        var value = message.UserProperties?.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"user property '{name}' missing or not a number");
    }

    /// <summary>Publishes each box's progress on its <c>down/ack</c> where it moved, and asks for holes that outlived the patience.</summary>
    internal async Task AcknowledgeAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var box in _store.Progress().GroupBy(p => (p.Appliance, p.School, p.Epoch)))
        {
            var acked = _acks.Due(box, now);
            var resend = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var p in box)
            {
                var key = (p.Appliance, p.Stream, p.Epoch);
                if (p.Highest > p.Contiguous)
                {
                    if (!_holes.TryGetValue(key, out var hole) || hole.Contiguous != p.Contiguous)
                    {
                        _holes[key] = (p.Contiguous, now);
                    }
                    else if (now - hole.Since >= _options.GapPatience)
                    {
                        resend[p.Stream] = p.Contiguous + 1;
                        _holes[key] = (p.Contiguous, now);
                        Log.Gap(_logger, p.Appliance, p.Stream, p.Contiguous + 1, p.Highest);
                    }
                }
            }

            if (acked.Count == 0 && resend.Count == 0)
            {
                continue;
            }

            var topic = $"la/{_options.La}/sch/{box.Key.School}/apl/{box.Key.Appliance}/down/ack";
            await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic)
                .WithPayload(new AckMessage(box.Key.Epoch, acked, resend).ToJson())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
            _acks.Sent(box.Key.Appliance, box.Key.Epoch, acked, now);
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Ingest connected to {Host}:{Port} (session present {SessionPresent})")]
        public static partial void Connected(ILogger logger, string host, int port, bool sessionPresent);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Ingest link down: {Problem}; retrying in {Delay}")]
        public static partial void Down(ILogger logger, string problem, TimeSpan delay);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Refused a message on {Topic}: {Problem}")]
        public static partial void Rejected(ILogger logger, string topic, string problem);

        [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Could not store a message on {Topic}: {Problem}; reconnecting so the broker delivers it again")]
        public static partial void StoreFailed(ILogger logger, string topic, string problem);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Gap in {Appliance}/{Stream}: asking again from seq {From} (highest seen {Highest})")]
        public static partial void Gap(ILogger logger, string appliance, string stream, long from, long highest);
    }
}
