using System.Security.Cryptography;
using System.Text.Json;
using Appliance.Core.Events;
using Appliance.Fleet.Mqtt;
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
    private readonly FleetTopics _topics;
    private readonly ECDsa _key;
    private readonly OutboxStore _store;
    private readonly IAuditSink _audit;
    private readonly TimeProvider _time;
    private readonly IReadOnlyDictionary<string, DesiredPart> _parts;
    private readonly RefusalLimiter _refusals;

    public DesiredStateProcessor(FleetTopics topics, ECDsa key, OutboxStore store, IAuditSink audit, TimeProvider time, IReadOnlyDictionary<string, DesiredPart> parts)
    {
        _topics = topics;
        _key = key;
        _store = store;
        _audit = audit;
        _time = time;
        _parts = parts;
        _refusals = new RefusalLimiter(time);
    }

    /// <summary>The reported-state document to publish, or null when the message changes nothing (an old or repeated version).</summary>
    public string? Process(ReadOnlyMemory<byte> envelope)
    {
        DownlinkMessage desired;
        try
        {
            desired = DownlinkMessage.Parse(SignedEnvelope.Open(envelope.Span, _key), "desired", _topics, _time.GetUtcNow());
        }
        catch (SignatureException ex)
        {
            if (_refusals.ShouldRecord(out var heldBack))
            {
                _audit.Record("la:unverified", "desired.refused", "desired", AuditDetail.Of(("problem", ex.Message), ("alsoRefusedUnrecorded", heldBack > 0 ? heldBack : null)));
            }

            return Report(_store.Marker(Marker), applied: false, [$"refused: {ex.Message}"]);
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
            var actor = "la:" + _topics.La;
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
            _audit.Record(actor, errors.Count == 0 ? "desired.applied" : "desired.failed", $"desired v{desired.Version}",
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
            w.WriteNumber("ts", _time.GetUtcNow().ToUnixTimeMilliseconds());
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
