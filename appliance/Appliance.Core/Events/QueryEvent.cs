using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Appliance.Core.Net;
using Appliance.Core.Policy;

namespace Appliance.Core.Events;

/// <summary>A whole wire name, inline (RFC 1035 §2.3.4: at most 255 bytes).</summary>
[InlineArray(255)]
public struct WireNameBuffer
{
    private byte _first;
}

/// <summary>Flags on a query event.</summary>
[Flags]
public enum QueryEventFlags : byte
{
    None = 0,
    CacheHit = 1,
    Stale = 2,
    Tcp = 4,
    Blocked = 8,
    Forwarded = 16,
    Truncated = 32,
    Dropped = 64,

    /// <summary>Monitor mode: what the policy would have done; nothing was enforced.</summary>
    NotEnforced = 128,
}

/// <summary>
/// One DNS query as the journal will record it: fixed size, no references, so the resolver can copy it into a
/// preallocated ring without allocating. Who (client address; the identity issue adds the user), when, what
/// (name and type), the answer code and which rule acted (reason).
/// </summary>
public struct QueryEvent
{
    private WireNameBuffer _name;

    public DateTimeOffset Time { get; set; }
    public ClientAddress Client { get; set; }
    public ushort QueryType { get; set; }
    public ReasonCode Reason { get; set; }
    public byte Rcode { get; set; }

    /// <summary>Where the name was seen: a DNS query, or the SNI/Host/QUIC name of a flow the packet filter judged.</summary>
    public RequestSource Source { get; set; }
    public QueryEventFlags Flags { get; set; }
    private byte _nameLength;

    /// <summary>Microseconds from receipt to answer for forwarded queries; 0 when answered at once.</summary>
    public uint UpstreamMicroseconds { get; set; }

    /// <summary>The client's group: an index into the groups of the policy snapshot that decided.</summary>
    public byte Group { get; set; }

    /// <summary>The categories of the lists that blocked the name (0 when none did).</summary>
    public ulong Categories { get; set; }

    [UnscopedRef]
    public readonly ReadOnlySpan<byte> WireName => ((ReadOnlySpan<byte>)_name)[.._nameLength];

    public void SetName(ReadOnlySpan<byte> wireName)
    {
        var n = Math.Min(wireName.Length, 255);
        wireName[..n].CopyTo(_name);
        _nameLength = (byte)n;
    }
}
