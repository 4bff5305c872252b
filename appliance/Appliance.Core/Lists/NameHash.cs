using System.Runtime.CompilerServices;

namespace Appliance.Core.Lists;

/// <summary>
/// The hash under which a domain is stored: 64 bits over its labels taken from the right (label-reversed), ASCII
/// lower-cased as it goes (RFC 4343). Because it is built one label at a time from the right, hashing
/// "www.example.com" yields the hashes of "com", "example.com" and "www.example.com" on the way, so a lookup
/// checks every parent suffix in one pass without touching the name twice. FNV-1a per byte with a full
/// avalanche (MurmurHash3's fmix64) at each label boundary; false positives are about n/2^64 per probe.
/// </summary>
public static class NameHash
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    /// <summary>Maximum labels in a name (255-byte wire names of 1-character labels).</summary>
    public const int MaxLabels = 128;

    public static ulong Start => Offset;

    /// <summary>Extends a suffix hash by the next label to the left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AddLabel(ulong hash, ReadOnlySpan<byte> label)
    {
        hash = (hash ^ (uint)label.Length) * Prime;
        foreach (var b in label)
        {
            var c = (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;
            hash = (hash ^ c) * Prime;
        }

        return Mix(hash);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }

    /// <summary>
    /// Splits an uncompressed wire name into label offsets (left to right). Returns the label count, or -1 when
    /// the name is not well formed or has more than <paramref name="offsets"/> can hold.
    /// </summary>
    public static int WireLabels(ReadOnlySpan<byte> wireName, Span<int> offsets)
    {
        var count = 0;
        var at = 0;
        while (at < wireName.Length)
        {
            int length = wireName[at];
            if (length == 0)
            {
                return count;
            }

            if (length > 63 || at + 1 + length > wireName.Length || count == offsets.Length)
            {
                return -1;
            }

            offsets[count++] = at;
            at += 1 + length;
        }

        return -1;   // no terminating root label
    }

    /// <summary>The hash of a whole presentation-form name ("www.example.com", no trailing dot). For builders and tools.</summary>
    public static ulong OfText(ReadOnlySpan<char> name)
    {
        Span<byte> label = stackalloc byte[63];
        var hash = Start;
        var end = name.Length;
        while (end > 0)
        {
            var dot = name[..end].LastIndexOf('.');
            var part = name[(dot + 1)..end];
            for (var i = 0; i < part.Length; i++)
            {
                label[i] = (byte)part[i];
            }

            hash = AddLabel(hash, label[..part.Length]);
            end = dot < 0 ? 0 : dot;
        }

        return hash;
    }
}
