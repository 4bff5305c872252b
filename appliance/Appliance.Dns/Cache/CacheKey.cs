using System.Buffers.Binary;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Cache;

/// <summary>
/// Cache keys: the lower-cased uncompressed name (RFC 4343), then type, class and one flags byte for the DO
/// and CD bits (an answer for a DNSSEC-aware client carries signatures, a CD answer may be unvalidated).
/// Built in a caller's span; never allocated on lookups.
/// </summary>
public static class CacheKey
{
    public const int MaxLength = DnsLimits.MaxNameLength + 5;
    public const byte DnssecOkFlag = 1;
    public const byte CheckingDisabledFlag = 2;

    /// <summary>Writes the key for a question whose name is already lower-cased wire form.</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<byte> lowerName, ushort type, ushort @class, bool dnssecOk, bool checkingDisabled)
    {
        lowerName.CopyTo(destination);
        var at = lowerName.Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination[at..], type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(at + 2)..], @class);
        destination[at + 4] = (byte)((dnssecOk ? DnssecOkFlag : 0) | (checkingDisabled ? CheckingDisabledFlag : 0));
        return at + 5;
    }

    /// <summary>
    /// Hash with the runtime's per-process random seed (<see cref="HashCode"/>), so that nobody can craft names
    /// that all land in one bucket (hash flooding).
    /// </summary>
    public static int Hash(ReadOnlySpan<byte> key)
    {
        var hash = default(HashCode);
        hash.AddBytes(key);
        return hash.ToHashCode();
    }

    public static ReadOnlySpan<byte> NameOf(ReadOnlySpan<byte> key) => key[..^5];

    public static ushort TypeOf(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt16BigEndian(key[^5..]);

    public static ushort ClassOf(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt16BigEndian(key[^3..]);

    public static byte FlagsOf(ReadOnlySpan<byte> key) => key[^1];
}
