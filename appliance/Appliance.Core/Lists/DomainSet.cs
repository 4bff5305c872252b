using System.Runtime.CompilerServices;

using Appliance.Protocols.Dns;

namespace Appliance.Core.Lists;

/// <summary>
/// A compiled, immutable set of domains, each with a category mask (DESIGN §5 "Block lists are compiled"):
/// <list type="bullet">
/// <item>a sorted array of 64-bit <see cref="NameHash"/> values (8 bytes a domain),</item>
/// <item>a parallel array of 16-bit ids into a small table of distinct category masks (2 bytes; the top bit
/// marks an entry that matches only the exact name, not its subdomains),</item>
/// <item>a bucket index on the top bits of the hash, about one 32-bit offset per four entries (1 byte).</item>
/// </list>
/// About 11 bytes a domain, no strings, no per-entry objects. Backed by pinned arrays (built in memory) or by a
/// memory-mapped file (<see cref="DomainSetFile"/>); lookups read spans over either and allocate nothing.
/// </summary>
public sealed unsafe class DomainSet : IDisposable
{
    /// <summary>The top bit of a mask id: the entry matches only the whole name, not its subdomains.</summary>
    public const ushort ExactFlag = 0x8000;

    private readonly ulong* _hashes;
    private readonly ushort* _maskIds;
    private readonly uint* _index;
    private readonly ulong* _masks;
    private readonly int _shift;
    private readonly IDisposable? _owner;
    private readonly object? _pinned;

    internal DomainSet(ulong* hashes, ushort* maskIds, uint* index, ulong* masks, int count, int bucketBits, int maskCount, IDisposable? owner, object? pinned)
    {
        _hashes = hashes;
        _maskIds = maskIds;
        _index = index;
        _masks = masks;
        Count = count;
        BucketBits = bucketBits;
        MaskCount = maskCount;
        _shift = 64 - bucketBits;
        _owner = owner;
        _pinned = pinned;
    }

    public static DomainSet Empty { get; } = new DomainSetBuilder().Build();

    public int Count { get; }

    public int BucketBits { get; }

    public int MaskCount { get; }

    /// <summary>Bytes the set occupies (hashes, mask ids, index, masks).</summary>
    public long SizeBytes => (Count * 10L) + (((1L << BucketBits) + 1) * 4) + (MaskCount * 8L);

    /// <summary>
    /// The union of the category masks of every entry that matches the name or one of its parent suffixes
    /// (exact-only entries match only the whole name); 0 when nothing matches. The name is an uncompressed wire
    /// name; case does not matter. Allocation-free.
    /// </summary>
    [SkipLocalsInit]   // the buffer is read only where NameSuffixes.Compute wrote it
    public ulong Match(ReadOnlySpan<byte> wireName)
    {
        if (Count == 0)
        {
            return 0;
        }

        Span<ulong> buffer = stackalloc ulong[NameHash.MaxLabels];
        return Match(NameSuffixes.Compute(wireName, buffer));
    }

    /// <summary>
    /// The same as <see cref="Match(ReadOnlySpan{byte})"/> for a name whose suffix hashes are already computed:
    /// the policy engine asks several sets about one name and hashes it once.
    /// </summary>
    public ulong Match(in NameSuffixes name)
    {
        if (Count == 0)
        {
            return 0;
        }

        var hashes = name.Hashes;
        ulong mask = 0;
        for (var i = 0; i < hashes.Length; i++)
        {
            mask |= Lookup(hashes[i], whole: i == hashes.Length - 1);
        }

        return mask;
    }

    /// <summary>Looks a presentation-form name up (tools and tests); 0 for a name that cannot be encoded.</summary>
    public ulong MatchText(ReadOnlySpan<char> name)
    {
        Span<byte> wire = stackalloc byte[256];
        return DnsName.TryEncode(name, wire, out var length) ? Match(wire[..length]) : 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Lookup(ulong hash, bool whole)
    {
        var bucket = hash >> _shift;
        var end = _index[bucket + 1];
        ulong mask = 0;
        for (var i = _index[bucket]; i < end; i++)
        {
            if (_hashes[i] == hash)
            {
                var id = _maskIds[i];
                if (whole || (id & ExactFlag) == 0)
                {
                    mask |= _masks[id & ~ExactFlag];
                }
            }
            else if (_hashes[i] > hash)
            {
                break;   // sorted within the bucket
            }
        }

        return mask;
    }

    /// <summary>Every stored hash with its mask and exact flag (for tools and for writing the file).</summary>
    public IEnumerable<(ulong Hash, ulong Mask, bool Exact)> Entries()
    {
        for (var i = 0; i < Count; i++)
        {
            var id = ReadMaskId(i);
            yield return (ReadHash(i), ReadMask(id & ~ExactFlag), (id & ExactFlag) != 0);
        }
    }

    internal ulong ReadHash(int i) => _hashes[i];

    internal ushort ReadMaskId(int i) => _maskIds[i];

    internal uint ReadIndex(long bucket) => _index[bucket];

    internal ulong ReadMask(int id) => _masks[id];

    public void Dispose()
    {
        _owner?.Dispose();
        GC.KeepAlive(_pinned);
    }
}
