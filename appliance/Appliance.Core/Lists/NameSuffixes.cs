namespace Appliance.Core.Lists;

/// <summary>
/// The <see cref="NameHash"/> of every suffix of one name, from the top-level label to the whole name
/// ("com", "example.com", "www.example.com"), computed once and looked up in as many sets as needed.
/// Empty for a name that is not well formed (it then matches nothing, as <see cref="DomainSet.Match(ReadOnlySpan{byte})"/>).
/// </summary>
public readonly ref struct NameSuffixes
{
    private NameSuffixes(ReadOnlySpan<ulong> hashes) => Hashes = hashes;

    /// <summary>Suffix hashes, shortest suffix first; the last is the whole name.</summary>
    public ReadOnlySpan<ulong> Hashes { get; }

    /// <param name="wireName">An uncompressed wire name.</param>
    /// <param name="buffer">At least <see cref="NameHash.MaxLabels"/> slots, usually on the stack.</param>
    [System.Runtime.CompilerServices.SkipLocalsInit]   // only the slots written below are ever read
    public static NameSuffixes Compute(ReadOnlySpan<byte> wireName, Span<ulong> buffer)
    {
        Span<int> labels = stackalloc int[NameHash.MaxLabels];
        var count = NameHash.WireLabels(wireName, labels);
        if (count <= 0 || buffer.Length < count)
        {
            return default;
        }

        var hash = NameHash.Start;
        for (var i = count - 1; i >= 0; i--)
        {
            var at = labels[i];
            hash = NameHash.AddLabel(hash, wireName.Slice(at + 1, wireName[at]));
            buffer[count - 1 - i] = hash;
        }

        return new NameSuffixes(buffer[..count]);
    }
}
