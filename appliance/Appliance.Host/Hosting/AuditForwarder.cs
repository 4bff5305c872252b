using System.Text.Json;
using Appliance.Fleet.Outbox;
using Appliance.Journal.Audit;

namespace Appliance.Host.Hosting;

/// <summary>
/// Copies every audit entry, in order and without a gap, into the outbox's audit stream: the Local Authority then
/// holds the chain's hashes, which anchors the end of the chain off the box (a truncated local log shows up as
/// entries the LA has and the box lacks). The last entry copied is committed with the chunk, so a crash neither
/// loses nor repeats one; entries written by another process (the CLI) are picked up on the next catch-up.
/// </summary>
public sealed class AuditForwarder
{
    private const string MarkerName = "audit";
    private readonly AuditLog _audit;
    private readonly OutboxStore _outbox;
    private readonly Lock _lock = new();

    public AuditForwarder(AuditLog audit, OutboxStore outbox)
    {
        _audit = audit;
        _outbox = outbox;
    }

    /// <summary>Copies whatever the outbox does not have yet.</summary>
    /// <returns>Entries copied.</returns>
    /// <exception cref="OutboxException">The outbox refused them; they are copied on a later catch-up.</exception>
    public int CatchUp()
    {
        var copied = 0;
        lock (_lock)
        {
            while (true)
            {
                var entries = _audit.Since(_outbox.Marker(MarkerName), 500);
                if (entries.Count == 0)
                {
                    return copied;
                }

                using var builder = new ChunkBuilder();
                foreach (var e in entries)
                {
                    var w = builder.BeginRecord("audit", e.At);
                    w.WriteNumber("auditSeq"u8, e.Seq);
                    w.WriteString("actor"u8, e.Actor);
                    w.WriteString("action"u8, e.Action);
                    w.WriteString("subject"u8, e.Subject);
                    try
                    {
                        w.WritePropertyName("detail"u8);
                        w.WriteRawValue(e.Detail);
                    }
                    catch (JsonException)
                    {
                        w.WriteStringValue(e.Detail);   // not JSON (an older entry): kept as text
                    }

                    w.WriteString("hash"u8, e.HashHex);
                    w.WriteString("previousHash"u8, Convert.ToHexStringLower(e.PreviousHash));
                    builder.EndRecord();
                }

                _outbox.Append(Streams.Audit, builder.Take(), (MarkerName, entries[^1].Seq));
                copied += entries.Count;
            }
        }
    }
}
