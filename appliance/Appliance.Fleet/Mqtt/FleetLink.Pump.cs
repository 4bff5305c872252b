using Appliance.Fleet.Outbox;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace Appliance.Fleet.Mqtt;

/// <summary>The outbox pump and the downlink.</summary>
public sealed partial class FleetLink
{
    /// <summary>
    /// Sends one page of pending chunks, up to the window in flight at once, and marks those the broker accepted.
    /// </summary>
    /// <returns>Whether anything was pending.</returns>
    private async Task<bool> PumpAsync(CancellationToken cancellationToken)
    {
        var chunks = _outbox.NextPending(Math.Max(_window * 4, 64));
        if (chunks.Count == 0)
        {
            return false;
        }

        using var window = new SemaphoreSlim(_window, _window);
        var sends = new List<Task<(OutboxChunk Chunk, MqttClientPublishResult Result)>>(chunks.Count);
        foreach (var chunk in chunks)
        {
            await window.WaitAsync(cancellationToken).ConfigureAwait(false);
            sends.Add(SendAsync(chunk, window, cancellationToken));
        }

        // A failed publish (the link dropped) throws here, after its siblings finished: what the broker accepted is
        // still marked below only if all completed; the rest is simply sent again (duplicates are expected).
        var results = await Task.WhenAll(sends).ConfigureAwait(false);
        var accepted = new List<long>(results.Length);
        MqttClientPublishResult? refused = null;
        foreach (var (chunk, result) in results)
        {
            switch (result.ReasonCode)
            {
                case MqttClientPublishReasonCode.Success:
                    accepted.Add(chunk.Id);
                    break;
                case MqttClientPublishReasonCode.NoMatchingSubscribers:
                    // The broker dropped it: nobody (no LA ingest) is subscribed. Count it as sent so the pump does
                    // not spin; it goes again after ResendAfter unless the LA acknowledges it.
                    accepted.Add(chunk.Id);
                    if (!_warnedNoSubscriber)
                    {
                        _warnedNoSubscriber = true;
                        Log.NoSubscriber(_logger, _options.Topics.Up(chunk.Stream));
                    }

                    break;
                default:
                    refused ??= result;
                    break;
            }
        }

        _outbox.MarkSent(accepted);
        Interlocked.Add(ref _published, accepted.Count);
        if (refused is not null)
        {
            // 135 not authorised (ACL), 151 quota, 153 payload format…: retrying at once would only spin. Stop,
            // report, and let the reconnect backoff pace the next attempt.
            throw new InvalidOperationException($"the broker refused a publish: {refused.ReasonCode} ({(int)refused.ReasonCode}) {refused.ReasonString}");
        }

        return true;
    }

    private async Task<(OutboxChunk, MqttClientPublishResult)> SendAsync(OutboxChunk chunk, SemaphoreSlim window, CancellationToken cancellationToken)
    {
        try
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(_options.Topics.Up(chunk.Stream))
                .WithPayload(chunk.Body)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType(ChunkCodec.ContentType)
                .WithUserProperty("stream", Utf8(chunk.Stream))
                .WithUserProperty("epoch", Utf8(Invariant(_outbox.Epoch)))
                .WithUserProperty("seq-first", Utf8(Invariant(chunk.SeqFirst)))
                .WithUserProperty("count", Utf8(Invariant(chunk.Count)))
                .WithUserProperty("enc", Utf8(ChunkCodec.Encoding))
                .WithUserProperty("schema", Utf8("1"))
                .Build();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.PublishTimeout);
            try
            {
                return (chunk, await _client.PublishAsync(message, timeout.Token).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no PUBACK for {chunk.Stream} seq {chunk.SeqFirst} within {_options.PublishTimeout}");
            }
        }
        finally
        {
            window.Release();
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (!topic.StartsWith(_options.Topics.DownPrefix, StringComparison.Ordinal))
        {
            return;
        }

        var rest = topic[_options.Topics.DownPrefix.Length..];
        var payload = System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload);
        try
        {
            if (rest == "ack")
            {
                Acknowledge(AckMessage.Parse(payload));
            }
            else if (rest == "desired" && _downlink?.Desired is { } desired && payload.Length > 0)
            {
                if (desired.Process(payload) is { } report)
                {
                    try
                    {
                        await PublishAsync(_options.Topics.State, report, retain: true, correlation: null).ConfigureAwait(false);
                    }
                    finally
                    {
                        _downlink.AfterStateReport?.Invoke();
                    }
                }
            }
            else if (rest.StartsWith("cmd/", StringComparison.Ordinal) && _downlink?.Commands is { } commands)
            {
                // PUBACK after the command is in the ledger and done: a crash before then brings it back, and the
                // ledger answers it without running it again.
                e.AutoAcknowledge = false;
                var reply = await commands.ProcessAsync(rest["cmd/".Length..], payload, CancellationToken.None).ConfigureAwait(false);
                await e.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
                await PublishAsync(e.ApplicationMessage.ResponseTopic is { Length: > 0 } responseTopic && responseTopic.StartsWith(_options.Topics.Prefix + "/up/", StringComparison.Ordinal)
                    ? responseTopic
                    : _options.Topics.Reply, reply, retain: false, e.ApplicationMessage.CorrelationData).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            // Malformed, or the outbox failed (full disk): logged, and the message is acknowledged, so one bad message
            // cannot hold every later one (acks, commands) behind it. A command's ledger already holds its outcome.
            Log.BadDownlink(_logger, topic, ex.Message);
            if (!e.AutoAcknowledge)
            {
                try
                {
                    await e.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (InvalidOperationException)
                {
                    // already acknowledged before the failure
                }
            }
        }
    }

    private Task<MqttClientPublishResult> PublishAsync(string topic, string payload, bool retain, byte[]? correlation)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithContentType("application/json");
        if (correlation is not null)
        {
            builder.WithCorrelationData(correlation);
        }

        return _client.PublishAsync(builder.Build(), CancellationToken.None);
    }

    private void Acknowledge(AckMessage ack)
    {
        var deleted = 0;
        foreach (var (stream, seq) in ack.Acked)
        {
            deleted += _outbox.Acknowledge(ack.Epoch, stream, seq);
        }

        var again = 0;
        if (ack.Epoch == _outbox.Epoch)
        {
            foreach (var (stream, from) in ack.Resend)
            {
                again += _outbox.Resend(stream, from);
            }
        }

        if (again > 0)
        {
            Log.ResendRequested(_logger, again);
            Nudge();
        }

        Log.Acknowledged(_logger, deleted, ack.Epoch);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Fleet link up to {Host}:{Port} (session present {SessionPresent}, window {Window})")]
        public static partial void Connected(ILogger logger, string host, int port, bool sessionPresent, int window);

        [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Fleet link to {Host}:{Port} down: {Problem}; next attempt in {Delay}")]
        public static partial void LinkDown(ILogger logger, string host, int port, string problem, TimeSpan delay);

        [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "ALERT: nobody is subscribed to {Topic} (is the LA's ingest down?); records will be sent again")]
        public static partial void NoSubscriber(ILogger logger, string topic);

        [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Sending again {Chunks} chunks not acknowledged by the LA within {After}")]
        public static partial void Requeued(ILogger logger, int chunks, TimeSpan after);

        [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "Ignored a message on {Topic}: {Problem}")]
        public static partial void BadDownlink(ILogger logger, string topic, string problem);

        [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "The LA asked again for {Chunks} chunks (it saw a gap)")]
        public static partial void ResendRequested(ILogger logger, int chunks);

        [LoggerMessage(EventId = 406, Level = LogLevel.Debug, Message = "LA acknowledged {Chunks} chunks (epoch {Epoch})")]
        public static partial void Acknowledged(ILogger logger, int chunks, long epoch);

        [LoggerMessage(EventId = 407, Level = LogLevel.Debug, Message = "Goodbye to the broker failed: {Problem}")]
        public static partial void GoodbyeFailed(ILogger logger, string problem);
    }
}
