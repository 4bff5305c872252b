using System.Text.Json;
using Appliance.Core.Events;
using Appliance.Fleet.Outbox;

namespace Appliance.Fleet.Downlink;

/// <summary>Applies one part of the desired document (e.g. "policy"); returns the problems, empty when applied.</summary>
public delegate IReadOnlyList<string> DesiredPart(JsonElement value, string actor, string reason);

/// <summary>
/// The LA's desired state (retained on <c>down/desired</c>, so it does not depend on a session surviving):
/// verified like a command, applied only if its version is newer than the last one seen, part by part through the
/// handlers the host gives (today: <c>policy</c>), audited, and reported back as a retained <c>up/state</c>
/// document with the version and the outcome, from which the LA computes what is left to do.
/// </summary>
public sealed class DesiredStateProcessor
{
    private const string Marker = "desired";
    private readonly DownlinkVerifier _verifier;
    private readonly OutboxStore _store;
    private readonly IReadOnlyDictionary<string, DesiredPart> _parts;

    public DesiredStateProcessor(DownlinkVerifier verifier, OutboxStore store, IReadOnlyDictionary<string, DesiredPart> parts)
    {
        _verifier = verifier;
        _store = store;
        _parts = parts;
    }

    /// <summary>The reported-state document to publish, or null when the message changes nothing (an old or repeated version).</summary>
    public string? Process(ReadOnlyMemory<byte> envelope)
    {
        if (!_verifier.TryOpen(envelope, "desired", "desired", null, out var desired, out var problem))
        {
            return Report(_store.Marker(Marker), applied: false, [$"refused: {problem}"]);
        }

        using (desired)
        {
            var applied = _store.Marker(Marker);
            if (desired.Version <= applied)
            {
                return null;   // the retained document again after a reconnect, or an older one: nothing to do
            }

            var errors = new List<string>();
            var reason = desired.Root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : $"desired state v{desired.Version}";
            var actor = _verifier.Actor;
            if (desired.Doc.ValueKind != JsonValueKind.Object)
            {
                errors.Add("doc: an object expected");
            }
            else
            {
                foreach (var part in desired.Doc.EnumerateObject())
                {
                    if (_parts.TryGetValue(part.Name, out var apply))
                    {
                        errors.AddRange(apply(part.Value, actor, reason).Select(e => $"{part.Name}: {e}"));
                    }
                    else
                    {
                        errors.Add($"{part.Name}: not something this box applies (known: {string.Join(", ", _parts.Keys)})");
                    }
                }
            }

            // The version is taken as seen either way: a document that failed is reported, not retried in a loop.
            _store.SetMarker(Marker, desired.Version);
            _verifier.Audit.Record(actor, errors.Count == 0 ? "desired.applied" : "desired.failed", $"desired v{desired.Version}",
                AuditDetail.Of(("reason", reason), ("errors", errors.Count == 0 ? null : errors)));
            return Report(desired.Version, errors.Count == 0, errors);
        }
    }

    private string Report(long version, bool applied, IReadOnlyList<string> errors)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("desiredVersion", version);
            w.WriteBoolean("applied", applied);
            w.WriteStartArray("errors");
            foreach (var e in errors)
            {
                w.WriteStringValue(e);
            }

            w.WriteEndArray();
            w.WriteNumber("ts", _verifier.Time.GetUtcNow().ToUnixTimeMilliseconds());
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
