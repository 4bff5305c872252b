using System.Buffers;

namespace Appliance.Protocols.Quic;

/// <summary>
/// Puts the Initial CRYPTO stream (RFC 9000 §19.6) back together by offset: frames arrive in any order, across
/// packets and datagrams (Chrome shuffles its ClientHello into pieces, packet-path.md §2.3), and may repeat or
/// overlap. The bytes live in one pooled buffer of <see cref="Appliance.Protocols.Tls.ClientHelloScanner.MaxHandshakeBytes"/>; a
/// short sorted list of filled ranges, merged as they touch, records what has arrived. Where frames overlap the
/// first bytes to arrive win, so a later frame cannot rewrite a name the filter has already read.
/// </summary>
internal sealed class CryptoStreamBuffer : IDisposable
{
    /// <summary>
    /// How many separate filled ranges may exist at once. A browser's pieces leave a handful of gaps; a sender that
    /// leaves more is stuffing the list, and the decoder calls it Malformed.
    /// </summary>
    public const int MaxRanges = 32;

    private readonly (int Start, int End)[] _ranges = new (int, int)[MaxRanges];
    private byte[] _data = ArrayPool<byte>.Shared.Rent(Capacity);
    private int _count;

    public const int Capacity = Tls.ClientHelloScanner.MaxHandshakeBytes;

    /// <summary>The bytes from offset 0 up to the first gap.</summary>
    public ReadOnlySpan<byte> Contiguous => _count > 0 && _ranges[0].Start == 0 ? _data.AsSpan(0, _ranges[0].End) : default;

    /// <summary>Stores one frame's data; false when it ends past <see cref="Capacity"/> or would need too many ranges.</summary>
    public bool TryWrite(ulong offset, ReadOnlySpan<byte> data)
    {
        if (data.Length > Capacity || offset > (ulong)(Capacity - data.Length))
        {
            return false;
        }

        if (data.IsEmpty)
        {
            return true;
        }

        int start = (int)offset, end = start + data.Length;

        // The ranges [first, last) touch or overlap the new one and merge with it.
        var first = 0;
        while (first < _count && _ranges[first].End < start)
        {
            first++;
        }

        var last = first;
        while (last < _count && _ranges[last].Start <= end)
        {
            last++;
        }

        if (first == last && _count == MaxRanges)
        {
            return false;
        }

        CopyGaps(start, end, data, first, last);
        if (first == last)
        {
            Array.Copy(_ranges, first, _ranges, first + 1, _count - first);
            _ranges[first] = (start, end);
            _count++;
        }
        else
        {
            _ranges[first] = (Math.Min(start, _ranges[first].Start), Math.Max(end, _ranges[last - 1].End));
            Array.Copy(_ranges, last, _ranges, first + 1, _count - last);
            _count -= last - first - 1;
        }

        return true;
    }

    // First wins: copy only the parts of [start, end) that no range in [first, last) holds yet.
    private void CopyGaps(int start, int end, ReadOnlySpan<byte> data, int first, int last)
    {
        var cursor = start;
        for (var i = first; i < last && cursor < end; i++)
        {
            var (filledStart, filledEnd) = _ranges[i];
            if (filledStart > cursor)
            {
                var gapEnd = Math.Min(filledStart, end);
                data[(cursor - start)..(gapEnd - start)].CopyTo(_data.AsSpan(cursor));
            }

            cursor = Math.Max(cursor, filledEnd);
        }

        if (cursor < end)
        {
            data[(cursor - start)..].CopyTo(_data.AsSpan(cursor));
        }
    }

    public void Dispose()
    {
        if (_data.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_data);
            _data = [];
            _count = 0;
        }
    }
}
