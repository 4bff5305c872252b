using System.Text.Json;
using Appliance.Core.Events;
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
    private readonly DownlinkVerifier _verifier;
    private readonly OutboxStore _ledger;
    private readonly IReadOnlyDictionary<string, CommandHandler> _handlers;

    public CommandProcessor(DownlinkVerifier verifier, OutboxStore ledger, IReadOnlyDictionary<string, CommandHandler> handlers)
    {
        _verifier = verifier;
        _ledger = ledger;
        _handlers = handlers;
    }

    /// <summary>The reply to publish (JSON): <c>{"id","ok","result"|"error"}</c>.</summary>
    public async Task<string> ProcessAsync(string name, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken)
    {
        if (!_verifier.TryOpen(envelope, "cmd", name,
                c => c.Name != name ? $"signed as '{c.Name}', received as '{name}'" : c.Id.Length is 0 or > 128 ? "the command id is missing or too long" : null,
                out var command, out var problem))
        {
            return Reply(null, ok: false, error: $"refused: {problem}");
        }

        using (command)
        {
            if (!_ledger.TryBeginCommand(command.Id, name, out var stored))
            {
                // A redelivery (QoS 1) or a replay: the ledger answers, nothing runs again.
                return stored ?? Reply(command.Id, ok: false, error: "interrupted: received before a restart and not run again (at most once)");
            }

            var actor = _verifier.Actor;
            _verifier.Audit.Record(actor, "command.received", name, AuditDetail.Of(("id", command.Id), ("args", command.Args.ValueKind == JsonValueKind.Undefined ? null : command.Args.GetRawText())));
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
            _verifier.Audit.Record(actor, "command.done", name, reply);
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
