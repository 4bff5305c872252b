using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Fleet.Downlink;
using Appliance.Fleet.Mqtt;
using MQTTnet;
using MQTTnet.Protocol;

namespace LaFleet.Ops;

/// <summary>
/// The LA operator's side of the downlink: signed commands as MQTT 5 request/response (correlation data = the
/// command id, a short message expiry so a box that comes back late does not run a stale command), and signed,
/// versioned, retained desired state. Connects as the <c>la-ops</c> user.
/// </summary>
public sealed class FleetOps : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly ECDsa _key;
    private readonly string _keyId;
    private readonly string _la;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, TaskCompletionSource<string>> _waiting = [];
    private readonly Lock _lock = new();

    private FleetOps(IMqttClient client, ECDsa key, string keyId, string la, TimeProvider time)
    {
        _client = client;
        _key = key;
        _keyId = keyId;
        _la = la;
        _time = time;
        _client.ApplicationMessageReceivedAsync += OnReplyAsync;
    }

    public static async Task<FleetOps> ConnectAsync(MqttClientOptions options, string la, ECDsa key, string keyId, TimeProvider time, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var ops = new FleetOps(client, key, keyId, la, time);
        await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic($"la/{la}/sch/+/apl/+/up/reply").WithAtLeastOnceQoS()).Build(), cancellationToken).ConfigureAwait(false);
        return ops;
    }

    /// <summary>Sends a command and waits for the box's reply (JSON), or throws <see cref="TimeoutException"/>.</summary>
    public async Task<string> CommandAsync(string school, string appliance, string name, string argsJson, TimeSpan timeout, CancellationToken cancellationToken,
        string? id = null)
    {
        id ??= Guid.NewGuid().ToString("N");
        var now = _time.GetUtcNow();
        var payload = Payload("cmd", school, appliance, w =>
        {
            w.WriteString("id", id);
            w.WriteString("name", name);
            w.WriteNumber("issued", now.ToUnixTimeMilliseconds());
            w.WriteNumber("expires", (now + timeout).ToUnixTimeMilliseconds());
            w.WritePropertyName("args");
            w.WriteRawValue(argsJson);
        });
        var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waiting[id] = waiter;
        }

        try
        {
            var prefix = $"la/{_la}/sch/{FleetTopics.Check(school, "school")}/apl/{FleetTopics.Check(appliance, "appliance")}";
            await _client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic($"{prefix}/down/cmd/{name}")
                .WithPayload(SignedEnvelope.Sign(payload, _key, _keyId))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithResponseTopic($"{prefix}/up/reply")
                .WithCorrelationData(Encoding.UTF8.GetBytes(id))
                .WithMessageExpiryInterval((uint)Math.Max(1, timeout.TotalSeconds))
                .Build(), cancellationToken).ConfigureAwait(false);
            return await waiter.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _waiting.Remove(id);
            }
        }
    }

    /// <summary>Publishes a signed desired-state document (retained: a box that connects later still gets it).</summary>
    public async Task PushDesiredAsync(string school, string appliance, long version, string docJson, string reason, CancellationToken cancellationToken)
    {
        var payload = Payload("desired", school, appliance, w =>
        {
            w.WriteNumber("version", version);
            w.WriteNumber("issued", _time.GetUtcNow().ToUnixTimeMilliseconds());
            w.WriteString("reason", reason);
            w.WritePropertyName("doc");
            w.WriteRawValue(docJson);
        });
        await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"la/{_la}/sch/{FleetTopics.Check(school, "school")}/apl/{FleetTopics.Check(appliance, "appliance")}/down/desired")
            .WithPayload(SignedEnvelope.Sign(payload, _key, _keyId))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .Build(), cancellationToken).ConfigureAwait(false);
    }

    private byte[] Payload(string type, string school, string appliance, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", 1);
            w.WriteString("type", type);
            w.WriteString("la", _la);
            w.WriteString("school", school);
            w.WriteString("apl", appliance);
            body(w);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private Task OnReplyAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var id = e.ApplicationMessage.CorrelationData is { } correlation ? Encoding.UTF8.GetString(correlation) : null;
        TaskCompletionSource<string>? waiter = null;
        lock (_lock)
        {
            if (id is not null)
            {
                _waiting.TryGetValue(id, out waiter);
            }
        }

        waiter?.TrySetResult(Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)));
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.NormalDisconnection, "done").ConfigureAwait(false);
        }

        _client.Dispose();
    }
}
