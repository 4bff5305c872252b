using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.Protocols.Dns;

namespace Appliance.Fleet.Outbox;

/// <summary>
/// Turns a batch of the resolver's query events into outbox records: blocks into the <c>block</c> stream (a
/// higher lane, dropped last), the rest into <c>dns</c> when the LA wants every query. Each event lands in exactly
/// one stream. Statutory-list names arrive already redacted to a keyed hash (the resolver never hands them on).
/// Records are gathered across drains and cut into full chunks; a part-filled chunk is committed once its oldest
/// record has waited <see cref="MaxDelay"/> (the event drain runs every 20 ms, and a chunk per drain would mean
/// dozens of tiny PUBLISHes and ingest transactions a second per box).
/// </summary>
public sealed class QueryRecords : IDisposable
{
    private readonly OutboxStore _outbox;
    private readonly bool _sendQueries;
    private readonly ChunkBuilder _dns = new();
    private readonly ChunkBuilder _blocks = new();
    private readonly TimeProvider _time;
    private DateTimeOffset? _partialSince;

    /// <summary>How long a record may wait in a part-filled chunk before it is committed.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    private readonly Pseudonyms? _pseudonyms;

    // pseudonyms: devices in these groups are sent as pseudonyms, not addresses; null: as they are.
    public QueryRecords(OutboxStore outbox, bool sendQueries, Pseudonyms? pseudonyms = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _outbox = outbox;
        _sendQueries = sendQueries;
        _pseudonyms = pseudonyms;
    }

    /// <exception cref="OutboxException">The outbox refused the batch (full disk); nothing of it is stored.</exception>
    public void Append(ReadOnlySpan<QueryEvent> batch, Func<byte, string> groupName)
    {
        foreach (ref readonly var e in batch)
        {
            var blocked = (e.Flags & QueryEventFlags.Blocked) != 0;
            if (!blocked && !_sendQueries)
            {
                continue;
            }

            var builder = blocked ? _blocks : _dns;
            var group = groupName(e.Group);
            var w = builder.BeginRecord(blocked ? Streams.Block : Streams.Dns, e.Time);
            w.WriteString("client"u8, _pseudonyms?.Applies(group) == true ? _pseudonyms.Of(e.Client) : e.Client.ToIPAddress().ToString());
            w.WriteString("group"u8, group);
            w.WriteString("name"u8, DnsName.ToSearchText(e.WireName));
            w.WriteNumber("qtype"u8, e.QueryType);
            w.WriteNumber("reason"u8, (int)e.Reason);
            w.WriteNumber("rcode"u8, e.Rcode);
            if (e.Source is not (RequestSource.DnsUdp or RequestSource.DnsTcp))
            {
                w.WriteString("source"u8, e.Source switch { RequestSource.TlsSni => "sni", RequestSource.HttpHost => "http", _ => "quic" });
            }
            if (e.Categories != 0)
            {
                w.WriteStartArray("categories"u8);
                foreach (var category in Enum.GetValues<Category>())
                {
                    if ((e.Categories & Categories.Bit(category)) != 0)
                    {
                        w.WriteStringValue(Categories.Name(category));
                    }
                }

                w.WriteEndArray();
            }

            if ((e.Flags & QueryEventFlags.Forwarded) != 0)
            {
                w.WriteNumber("upstreamUs"u8, e.UpstreamMicroseconds);
            }

            builder.EndRecord();
        }

        _partialSince ??= _blocks.PartialRecords + _dns.PartialRecords > 0 ? _time.GetUtcNow() : null;
        FlushIfDue();
    }

    /// <summary>Commits full chunks, and part-filled ones whose oldest record has waited <see cref="MaxDelay"/>; called after every drain, even an empty one.</summary>
    public void FlushIfDue() => Commit(force: _partialSince is { } since && _time.GetUtcNow() - since >= MaxDelay);

    /// <summary>Commits whatever waits in part-filled chunks (at shutdown, or in tests).</summary>
    public void Flush() => Commit(force: true);

    private void Commit(bool force)
    {
        // Both builders are emptied before either append, so a refused batch is not carried into the next one.
        var blocks = force ? _blocks.Take() : _blocks.TakeFull();
        var queries = force ? _dns.Take() : _dns.TakeFull();
        if (force || _blocks.PartialRecords + _dns.PartialRecords == 0)
        {
            _partialSince = null;
        }

        _outbox.Append(Streams.Block, blocks);
        _outbox.Append(Streams.Dns, queries);
    }

    public void Dispose()
    {
        _dns.Dispose();
        _blocks.Dispose();
    }
}
