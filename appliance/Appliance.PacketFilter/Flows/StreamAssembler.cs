using System.Buffers;
using System.Runtime.CompilerServices;

namespace Appliance.PacketFilter.Flows;

/// <summary>The byte ranges of a stream we hold, as [start, end) pairs in order: at most eight holes' worth.</summary>
[InlineArray(16)]
internal struct RangeList
{
    private ushort _first;
}

/// <summary>What adding a segment did.</summary>
internal enum SegmentResult : byte
{
    /// <summary>Stored (or a retransmission of bytes we already hold).</summary>
    Stored = 0,

    /// <summary>The stream runs past what we will hold for a name (packet-path.md §2.1: 16 KiB).</summary>
    TooLong = 1,

    /// <summary>More holes than we track: not a browser's out-of-order delivery but a split meant to evade us.</summary>
    TooFragmented = 2,
}

/// <summary>
/// The client's first bytes of a TCP stream, put back in sequence order (RFC 9293 §3.4), so a ClientHello or an HTTP
/// request head split into tiny or out-of-order segments reads as one. First copy wins where segments overlap, so a
/// retransmission with different bytes cannot rewrite what we already judged (the overlap evasion Suricata and Snort
/// also resolve one way). The buffer is rented only while a flow is undecided.
/// </summary>
internal struct StreamAssembler
{
    public const int Capacity = 16 * 1024;
    private const int MaxRanges = 8;

    private byte[]? _buffer;
    private uint _base;       // the sequence number of stream byte 0
    private bool _hasBase;
    private byte _rangeCount;
    private RangeList _ranges;

    /// <summary>Bytes from the start of the stream with no hole.</summary>
    public readonly int Contiguous => _rangeCount > 0 && _ranges[0] == 0 ? _ranges[1] : 0;

    public readonly ReadOnlySpan<byte> Prefix => _buffer is null ? [] : _buffer.AsSpan(0, Contiguous);

    /// <summary>Whether the stream was started by a SYN with this sequence number (or not started at all).</summary>
    public readonly bool StartsAt(uint synSequence) => !_hasBase || _base == synSequence + 1;

    /// <summary>The SYN's sequence number: data starts one after it.</summary>
    public void Start(uint synSequence)
    {
        _base = synSequence + 1;
        _hasBase = true;
    }

    public SegmentResult Add(uint sequence, ReadOnlySpan<byte> data)
    {
        if (!_hasBase)
        {
            // No SYN seen: the first data is taken as the start. The inspector never lets it come to that (a flow first
            // seen without a SYN is unreadable); the assembler on its own stays usable.
            _base = sequence;
            _hasBase = true;
        }

        if (data.IsEmpty)
        {
            return SegmentResult.Stored;
        }

        var offset = sequence - _base;
        if (offset >= int.MaxValue)
        {
            return SegmentResult.Stored;   // before the start: an old retransmission
        }

        if (offset >= Capacity || data.Length > Capacity - (int)offset)
        {
            return SegmentResult.TooLong;
        }

        _buffer ??= ArrayPool<byte>.Shared.Rent(Capacity);
        return Insert((int)offset, data);
    }

    // Copies the parts of [start, start + data.Length) not yet held, then merges the ranges.
    private SegmentResult Insert(int start, ReadOnlySpan<byte> data)
    {
        var end = start + data.Length;
        var cursor = start;
        for (var i = 0; i < _rangeCount && cursor < end; i++)
        {
            int held = _ranges[2 * i], heldEnd = _ranges[(2 * i) + 1];
            if (heldEnd <= cursor)
            {
                continue;
            }

            if (held > cursor)
            {
                var gapEnd = Math.Min(held, end);
                data[(cursor - start)..(gapEnd - start)].CopyTo(_buffer.AsSpan(cursor));
            }

            cursor = Math.Max(cursor, heldEnd);
        }

        if (cursor < end)
        {
            data[(cursor - start)..].CopyTo(_buffer.AsSpan(cursor));
        }

        return Merge(start, end);
    }

    private SegmentResult Merge(int start, int end)
    {
        // The held ranges with the new one put in order of start, then neighbours that touch or overlap joined.
        Span<ushort> sorted = stackalloc ushort[2 * (MaxRanges + 1)];
        var n = 0;
        var placed = false;
        for (var i = 0; i < _rangeCount; i++)
        {
            if (!placed && start < _ranges[2 * i])
            {
                (sorted[n], sorted[n + 1], n, placed) = ((ushort)start, (ushort)end, n + 2, true);
            }

            (sorted[n], sorted[n + 1], n) = (_ranges[2 * i], _ranges[(2 * i) + 1], n + 2);
        }

        if (!placed)
        {
            (sorted[n], sorted[n + 1], n) = ((ushort)start, (ushort)end, n + 2);
        }

        var count = 0;
        for (var i = 0; i < n; i += 2)
        {
            if (count > 0 && sorted[i] <= sorted[(2 * count) - 1])
            {
                sorted[(2 * count) - 1] = Math.Max(sorted[(2 * count) - 1], sorted[i + 1]);
            }
            else
            {
                (sorted[2 * count], sorted[(2 * count) + 1], count) = (sorted[i], sorted[i + 1], count + 1);
            }
        }

        if (count > MaxRanges)
        {
            return SegmentResult.TooFragmented;
        }

        sorted[..(2 * count)].CopyTo(_ranges);
        _rangeCount = (byte)count;
        return SegmentResult.Stored;
    }

    /// <summary>Returns the buffer to the pool; the flow keeps only its verdict.</summary>
    public void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _rangeCount = 0;
    }
}
