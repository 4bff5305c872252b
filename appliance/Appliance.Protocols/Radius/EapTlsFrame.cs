using System.Buffers.Binary;

namespace Appliance.Protocols.Radius;

/// <summary>The flags octet of EAP-TLS, PEAP and EAP-TTLS (RFC 5216 §3.1; RFC 5281 §9.1; [MS-PEAP] 2.2.8).</summary>
[Flags]
public enum EapTlsFlags : byte
{
    None = 0,

    /// <summary>L: a 4-octet TLS Message Length follows (set on the first fragment of a fragmented message).</summary>
    LengthIncluded = 0x80,

    /// <summary>M: more fragments follow; the peer answers each with an empty acknowledgement.</summary>
    MoreFragments = 0x40,

    /// <summary>S: EAP-TLS start, sent by the server in its first Request.</summary>
    Start = 0x20,
}

/// <summary>
/// The outer framing of the TLS-based methods, which sits in the EAP type data (RFC 5216 §3.1):
/// <code>
///   Flags(1) [TLS Message Length(4) if L] TLS data…
/// </code>
/// PEAP and TTLS carry their version in the low three bits of Flags, which <see cref="Version"/> exposes.
/// </summary>
public readonly ref struct EapTlsFrame
{
    /// <summary>
    /// The largest TLS Message Length we reassemble. A full EAP-TLS chain is a few kilobytes; the cap stops a peer
    /// from announcing gigabytes and making us hold a buffer for them (FreeRADIUS caps records alike).
    /// </summary>
    public const int MaxMessageLength = 64 * 1024;

    private EapTlsFrame(byte flags, int messageLength, ReadOnlySpan<byte> data)
    {
        RawFlags = flags;
        MessageLength = messageLength;
        Data = data;
    }

    public byte RawFlags { get; }

    public EapTlsFlags Flags => (EapTlsFlags)(RawFlags & 0xE0);

    /// <summary>PEAP/TTLS version bits (0 for EAP-TLS).</summary>
    public int Version => RawFlags & 0x07;

    /// <summary>The announced total length when L is set, else -1.</summary>
    public int MessageLength { get; }

    /// <summary>This fragment's TLS octets.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>
    /// Reads the framing from EAP type data. Empty type data is <see cref="ParseStatus.NeedMoreData"/>; an L bit without
    /// room for the length, a length over <see cref="MaxMessageLength"/>, or a fragment longer than the announced total
    /// is <see cref="ParseStatus.Malformed"/>.
    /// </summary>
    public static ParseStatus TryRead(ReadOnlySpan<byte> typeData, out EapTlsFrame frame)
    {
        frame = default;
        if (typeData.IsEmpty)
        {
            return ParseStatus.NeedMoreData;
        }

        var flags = typeData[0];
        if ((flags & (byte)EapTlsFlags.LengthIncluded) == 0)
        {
            frame = new EapTlsFrame(flags, -1, typeData[1..]);
            return ParseStatus.Ok;
        }

        if (!BinaryPrimitives.TryReadUInt32BigEndian(typeData[1..], out var total))
        {
            return ParseStatus.NeedMoreData;
        }

        var data = typeData[5..];
        if (total > MaxMessageLength || data.Length > total)
        {
            return ParseStatus.Malformed;
        }

        frame = new EapTlsFrame(flags, (int)total, data);
        return ParseStatus.Ok;
    }

    /// <summary>
    /// Writes Flags, the TLS Message Length when <paramref name="messageLength"/> is not negative (which sets L), and
    /// the fragment. <paramref name="flags"/> may carry the PEAP/TTLS version in its low bits.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, byte flags, int messageLength, ReadOnlySpan<byte> data, out int written)
    {
        var withLength = messageLength >= 0;
        written = 1 + (withLength ? 4 : 0) + data.Length;
        if (destination.Length < written || messageLength > MaxMessageLength || (withLength && data.Length > messageLength))
        {
            written = 0;
            return false;
        }

        destination[0] = withLength ? (byte)(flags | (byte)EapTlsFlags.LengthIncluded) : (byte)(flags & ~(byte)EapTlsFlags.LengthIncluded);
        if (withLength)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)messageLength);
        }

        data.CopyTo(destination[(withLength ? 5 : 1)..]);
        return true;
    }
}
