using Appliance.Core.Events;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Resolution;

/// <summary>Writes one <see cref="QueryEvent"/> into the ring; a full ring drops the event and counts it.</summary>
internal static class QueryEvents
{
    public static void Emit(EventRing<QueryEvent> ring, TimeProvider time, in ClientAddress client, ReadOnlySpan<byte> lowerName, ushort type,
        ReasonCode reason, DnsRcode rcode, QueryEventFlags flags, uint upstreamMicros, byte group = 0, ulong categories = 0)
    {
        var e = new QueryEvent
        {
            Time = time.GetUtcNow(),
            Client = client,
            QueryType = type,
            Reason = reason,
            Rcode = (byte)rcode,
            Flags = flags,
            UpstreamMicroseconds = upstreamMicros,
            Group = group,
            Categories = categories,
        };
        e.SetName(lowerName);
        ring.TryWrite(e);
    }
}
