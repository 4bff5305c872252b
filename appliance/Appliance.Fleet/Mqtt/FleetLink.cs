using System.Globalization;
using System.Text;
using System.Text.Json;
using Appliance.Fleet.Outbox;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace Appliance.Fleet.Mqtt;

/// <summary>
/// The one owner of the box's MQTT connection (../shared/reference/mqtt-fleet.md §2, "Appliance connection
/// owner"). MQTTnet v5 has no managed client and keeps no client-side session, so this loop does what one would:
/// connect with MQTT 5, a persistent session and a will; on a fresh session subscribe to <c>down/#</c> and send
/// again everything the broker had accepted (it may have lost it); publish the birth message; drain the outbox with
/// at most min(Receive Maximum, <see cref="FleetOptions.MaxInFlight"/>) publishes in flight; ping when idle; on any
/// failure wait an exponentially growing, jittered delay and start again. Nothing else in the appliance touches the
/// client: producers write to the <see cref="OutboxStore"/>.
/// </summary>
public sealed partial class FleetLink : IAsyncDisposable
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RequeueEvery = TimeSpan.FromSeconds(5);

    private readonly FleetOptions _options;
    private readonly OutboxStore _outbox;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly FleetDownlink? _downlink;
    private int _window = 1;
    private long _published;
    private long _connects;
    private string? _lastProblem;
    private bool _warnedNoSubscriber;

    // downlink: what to do with desired state and commands; without it they are ignored (a box with no LA key).
    public FleetLink(FleetOptions options, OutboxStore outbox, TimeProvider time, ILogger logger, FleetDownlink? downlink = null)
    {
        _options = options;
        _outbox = outbox;
        _time = time;
        _logger = logger;
        _downlink = downlink;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Chunks the broker has accepted since start.</summary>
    public long Published => Interlocked.Read(ref _published);

    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>The publishes allowed in flight on the current connection.</summary>
    public int Window => _window;

    /// <summary>Why the link is down or stalled, for health; null when all is well.</summary>
    public string? LastProblem => Volatile.Read(ref _lastProblem);

    /// <summary>Wakes the pump now (something was appended) instead of at its next poll.</summary>
    public void Nudge()
    {
        if (_nudge.CurrentCount == 0)
        {
            try
            {
                _nudge.Release();
            }
            catch (SemaphoreFullException)
            {
                // already nudged
            }
        }
    }

    /// <summary>Runs until <paramref name="stoppingToken"/> is cancelled, then says goodbye (presence "offline") and disconnects.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var lastRequeue = _time.GetUtcNow();
        var lastPing = _time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    await ConnectAsync(stoppingToken).ConfigureAwait(false);
                    failures = 0;
                    Volatile.Write(ref _lastProblem, null);
                }

                if (_time.GetUtcNow() - lastRequeue >= RequeueEvery)
                {
                    lastRequeue = _time.GetUtcNow();
                    var again = _outbox.RequeueOverdue(_options.ResendAfter);
                    if (again > 0)
                    {
                        Log.Requeued(_logger, again, _options.ResendAfter);
                    }
                }

                if (!await PumpAsync(stoppingToken).ConfigureAwait(false))
                {
                    await _nudge.WaitAsync(IdlePoll, stoppingToken).ConfigureAwait(false);
                    // A ping when idle for half the keep-alive (not at every poll: hundreds of boxes share the broker)
                    // finds a half-open connection before the next publish would.
                    if (_time.GetUtcNow() - lastPing >= _options.KeepAlive / 2)
                    {
                        lastPing = _time.GetUtcNow();
                        if (!await _client.TryPingAsync(stoppingToken).ConfigureAwait(false))
                        {
                            throw new IOException("the broker stopped answering pings");
                        }
                    }
                }
                else
                {
                    lastPing = _time.GetUtcNow();   // traffic flowed: the connection is alive
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failures++;
                var delay = Backoff(failures);
                Volatile.Write(ref _lastProblem, ex.Message);
                Log.LinkDown(_logger, _options.Host, _options.Port, ex.Message, delay);
                if (_client.IsConnected)
                {
                    await _client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.UnspecifiedError, "publish refused").ConfigureAwait(false);
                }

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

        await GoodbyeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Full jitter: a uniformly random delay up to min(max, min·2^failures). When an LA broker comes back, hundreds
    /// of schools then spread their reconnects over the whole window instead of arriving together.
    /// </summary>
    internal TimeSpan Backoff(int failures)
    {
        var ceiling = Math.Min(_options.BackoffMax.TotalMilliseconds, _options.BackoffMin.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 30)));
        return TimeSpan.FromMilliseconds(Math.Max(_options.BackoffMin.TotalMilliseconds / 2, Random.Shared.NextDouble() * ceiling));
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var topics = _options.Topics;
        var options = BrokerConnection.Options(_options.Host, _options.Port, topics.Appliance, _options.Username ?? topics.Appliance, _options.Password,
                _options.SessionExpiry, _options.KeepAlive, _options.UseTls, _options.CaFile, _options.ClientCertificateFile, _options.ClientKeyFile)
            .WithWillTopic(topics.Presence)
            .WithWillPayload(Presence("lost"))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillDelayInterval((uint)_options.WillDelay.TotalSeconds)
            .Build();
        var result = await _client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _connects);
        _window = Math.Max(1, Math.Min(result.ReceiveMaximum ?? ushort.MaxValue, _options.MaxInFlight));
        // Subscribed on every connect, session or not: a broker restored from its snapshot may say the session is
        // present and yet have lost subscriptions (Mosquitto 2.0 does with shared ones); a second SUBSCRIBE to the
        // same filter only replaces the first. Retained desired state may come again: it is applied by version.
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(topics.DownAll).WithAtLeastOnceQoS().WithNoLocal(true))
            .Build(), cancellationToken).ConfigureAwait(false);
        if (!result.IsSessionPresent)
        {
            // The broker has no session of ours: it may have lost what it had accepted, so everything not yet
            // acknowledged by the LA goes again (the ingest is idempotent on (appliance, stream, epoch, seq)).
            _outbox.Requeue();
        }

        Log.Connected(_logger, _options.Host, _options.Port, result.IsSessionPresent, _window);
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topics.Presence).WithPayload(Presence("online"))
            .WithRetainFlag(true).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
    }

    private async Task GoodbyeAsync()
    {
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(_options.Topics.Presence).WithPayload(Presence("offline"))
                .WithRetainFlag(true).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), timeout.Token).ConfigureAwait(false);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            Log.GoodbyeFailed(_logger, ex.Message);
        }
    }

    private byte[] Presence(string state)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("state", state);
            w.WriteString("bootId", _options.BootId);
            w.WriteString("version", _options.Version);
            w.WriteNumber("epoch", _outbox.Epoch);
            w.WriteNumber("ts", _time.GetUtcNow().ToUnixTimeMilliseconds());
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        _nudge.Dispose();
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>How the box takes the LA's desired state and commands (both signed; see <see cref="Downlink.SignedEnvelope"/>).</summary>
    /// <param name="Commands">Signed commands (request/response), run at most once each.</param>
    /// <param name="Desired">The retained desired state, applied by version.</param>
    /// <param name="AfterStateReport">Called once the state report for a desired document was published (or failed to be): what must wait
    /// until the LA has the outcome, such as a restart to take new settings.</param>
    public sealed record FleetDownlink(Downlink.CommandProcessor? Commands, Downlink.DesiredStateProcessor? Desired, Action? AfterStateReport = null);

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static ReadOnlyMemory<byte> Utf8(string value) => Encoding.UTF8.GetBytes(value);
}
