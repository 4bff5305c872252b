using System.Security.Cryptography;
using System.Text.Json;
using Appliance.Core.Events;
using Appliance.Fleet.Mqtt;
using Appliance.Fleet.Outbox;

namespace Appliance.Fleet.Downlink;

/// <summary>A command the box can run for the LA: arguments in, a JSON result out (or an exception whose message is the error).</summary>
public delegate Task<string> CommandHandler(JsonElement args, CancellationToken cancellationToken);

/// <summary>
/// Runs the LA's commands (<c>down/cmd/{name}</c>, MQTT 5 request/response): verify the signature and that the
/// command is for this box, this name, and not expired; record its id in the ledger before running it, so a
/// redelivery is answered from the ledger and never run twice; audit what was received and how it ended.
/// </summary>
public sealed class CommandProcessor
{
    private readonly FleetTopics _topics;
    private readonly ECDsa _key;
    private readonly OutboxStore _ledger;
    private readonly IAuditSink _audit;
    private readonly TimeProvider _time;
    private readonly IReadOnlyDictionary<string, CommandHandler> _handlers;
    private readonly RefusalLimiter _refusals;

    public CommandProcessor(FleetTopics topics, ECDsa key, OutboxStore ledger, IAuditSink audit, TimeProvider time, IReadOnlyDictionary<string, CommandHandler> handlers)
    {
        _topics = topics;
        _key = key;
        _ledger = ledger;
        _audit = audit;
        _time = time;
        _handlers = handlers;
        _refusals = new RefusalLimiter(time);
    }

    /// <summary>The reply to publish (JSON): <c>{"id","ok","result"|"error"}</c>.</summary>
    public async Task<string> ProcessAsync(string name, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken)
    {
        DownlinkMessage command;
        try
        {
            command = DownlinkMessage.Parse(SignedEnvelope.Open(envelope.Span, _key), "cmd", _topics, _time.GetUtcNow());
            if (command.Name != name || command.Id.Length is 0 or > 128)
            {
                var problem = command.Name != name ? $"signed as '{command.Name}', received as '{name}'" : "the command id is missing or too long";
                command.Dispose();
                throw new SignatureException(problem);
            }
        }
        catch (SignatureException ex)
        {
            if (_refusals.ShouldRecord(out var heldBack))
            {
                _audit.Record("la:unverified", "command.refused", name, AuditDetail.Of(("problem", ex.Message), ("alsoRefusedUnrecorded", heldBack > 0 ? heldBack : null)));
            }

            return Reply(null, ok: false, error: $"refused: {ex.Message}");
        }

        using (command)
        {
            if (!_ledger.TryBeginCommand(command.Id, name, out var stored))
            {
                // A redelivery (QoS 1) or a replay: the ledger answers, nothing runs again.
                return stored ?? Reply(command.Id, ok: false, error: "interrupted: received before a restart and not run again (at most once)");
            }

            var actor = "la:" + _topics.La;
            _audit.Record(actor, "command.received", name, AuditDetail.Of(("id", command.Id), ("args", command.Args.ValueKind == JsonValueKind.Undefined ? null : command.Args.GetRawText())));
            string reply;
            if (!_handlers.TryGetValue(name, out var handler))
            {
                reply = Reply(command.Id, ok: false, error: $"unknown command '{name}' (known: {string.Join(", ", _handlers.Keys.Order(StringComparer.Ordinal))})");
            }
            else
            {
                try
                {
                    reply = Reply(command.Id, ok: true, result: await handler(command.Args, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    reply = Reply(command.Id, ok: false, error: ex.Message);
                }
            }

            _ledger.CompleteCommand(command.Id, reply);
            _audit.Record(actor, "command.done", name, reply);
            return reply;
        }
    }

    private static string Reply(string? id, bool ok, string? result = null, string? error = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (id is not null)
            {
                w.WriteString("id", id);
            }

            w.WriteBoolean("ok", ok);
            if (result is not null)
            {
                w.WritePropertyName("result");
                w.WriteRawValue(result);
            }

            if (error is not null)
            {
                w.WriteString("error", error);
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
