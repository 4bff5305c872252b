using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Appliance.Core.Lists;

/// <summary>
/// Collects domains with their categories and compiles them into a <see cref="DomainSet"/>. Runs off the hot
/// path (a list refresh, `appliance lists compile`): the new set is built whole and then swapped in with one
/// reference write, so lookups never see half a list.
/// </summary>
public sealed class DomainSetBuilder
{
    private const int EntriesPerBucket = 4;
    private Entry[] _entries;
    private int _count;

    /// <param name="capacity">Entries to make room for up front (a reload knows roughly how many it will add).</param>
    public DomainSetBuilder(int capacity = 1_024) => _entries = new Entry[Math.Max(16, capacity)];

    public int Count => _count;

    /// <summary>Adds a validated presentation-form name (lower or upper case, no trailing dot).</summary>
    public void Add(ReadOnlySpan<char> name, ulong categoryMask, bool exactOnly = false)
        => AddHash(NameHash.OfText(name), categoryMask, exactOnly);

    public void AddHash(ulong hash, ulong categoryMask, bool exactOnly = false)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[_count++] = new Entry(hash, categoryMask, exactOnly);
    }

    /// <summary>Adds every entry of an existing set (to merge compiled lists).</summary>
    public void AddAll(DomainSet set)
    {
        foreach (var (hash, mask, exact) in set.Entries())
        {
            AddHash(hash, mask, exact);
        }
    }

    /// <summary>Sorts, merges duplicates (their masks are OR-ed) and builds the set in pinned memory.</summary>
    public unsafe DomainSet Build()
    {
        var entries = _entries.AsSpan(0, _count);
        entries.Sort();
        var n = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            if (n > 0 && entries[n - 1].Hash == entries[i].Hash && entries[n - 1].Exact == entries[i].Exact)
            {
                entries[n - 1] = entries[n - 1] with { Mask = entries[n - 1].Mask | entries[i].Mask };
            }
            else
            {
                entries[n++] = entries[i];
            }
        }

        var bucketBits = Math.Max(1, BitOperations.Log2((uint)Math.Max(1, n / EntriesPerBucket)) + 1);
        var hashes = GC.AllocateArray<ulong>(Math.Max(1, n), pinned: true);
        var maskIds = GC.AllocateArray<ushort>(Math.Max(1, n), pinned: true);
        var index = GC.AllocateArray<uint>((1 << bucketBits) + 1, pinned: true);
        var maskTable = new Dictionary<ulong, ushort>();
        var masks = new List<ulong>();
        var shift = 64 - bucketBits;
        for (var i = 0; i < n; i++)
        {
            var e = entries[i];
            if (!maskTable.TryGetValue(e.Mask, out var id))
            {
                if (masks.Count >= DomainSet.ExactFlag)
                {
                    throw new InvalidOperationException("more than 32767 distinct category combinations");
                }

                id = (ushort)masks.Count;
                maskTable.Add(e.Mask, id);
                masks.Add(e.Mask);
            }

            hashes[i] = e.Hash;
            maskIds[i] = (ushort)(id | (e.Exact ? DomainSet.ExactFlag : 0));
            index[(e.Hash >> shift) + 1]++;
        }

        for (var b = 1; b < index.Length; b++)
        {
            index[b] += index[b - 1];
        }

        var maskArray = GC.AllocateArray<ulong>(Math.Max(1, masks.Count), pinned: true);
        masks.CopyTo(maskArray);
        return new DomainSet(
            (ulong*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(hashes)),
            (ushort*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(maskIds)),
            (uint*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(index)),
            (ulong*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(maskArray)),
            n, bucketBits, masks.Count, owner: null, pinned: new object[] { hashes, maskIds, index, maskArray });
    }

    private readonly record struct Entry(ulong Hash, ulong Mask, bool Exact) : IComparable<Entry>
    {
        public int CompareTo(Entry other)
        {
            var c = Hash.CompareTo(other.Hash);
            return c != 0 ? c : Exact.CompareTo(other.Exact);
        }
    }
}
