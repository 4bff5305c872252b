using System.Buffers.Binary;

namespace Appliance.Protocols.Tls;

/// <summary>
/// A cursor over TLS presentation-language data (RFC 8446 §3): big-endian integers and length-prefixed vectors.
/// Every read checks the length against what is left and advances only when it succeeds, so a vector length that
/// points past its container is a false return, never a read past the end.
/// </summary>
internal ref struct TlsReader
{
    private ReadOnlySpan<byte> _remaining;

    public TlsReader(ReadOnlySpan<byte> data) => _remaining = data;

    public readonly bool IsEmpty => _remaining.IsEmpty;

    public bool TryReadUInt8(out byte value)
    {
        if (_remaining.IsEmpty)
        {
            value = 0;
            return false;
        }

        value = _remaining[0];
        _remaining = _remaining[1..];
        return true;
    }

    public bool TryReadUInt16(out ushort value)
    {
        if (!BinaryPrimitives.TryReadUInt16BigEndian(_remaining, out value))
        {
            return false;
        }

        _remaining = _remaining[2..];
        return true;
    }

    public bool TrySkip(int count)
    {
        if (_remaining.Length < count)
        {
            return false;
        }

        _remaining = _remaining[count..];
        return true;
    }

    /// <summary>A vector with a one-byte length prefix (<c>opaque x&lt;0..2^8-1&gt;</c>).</summary>
    public bool TryReadVector8(out ReadOnlySpan<byte> value)
    {
        value = default;
        if (_remaining.IsEmpty || _remaining.Length - 1 < _remaining[0])
        {
            return false;
        }

        value = _remaining.Slice(1, _remaining[0]);
        _remaining = _remaining[(1 + value.Length)..];
        return true;
    }

    /// <summary>A vector with a two-byte length prefix (<c>opaque x&lt;0..2^16-1&gt;</c>).</summary>
    public bool TryReadVector16(out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!BinaryPrimitives.TryReadUInt16BigEndian(_remaining, out var length) || _remaining.Length - 2 < length)
        {
            return false;
        }

        value = _remaining.Slice(2, length);
        _remaining = _remaining[(2 + length)..];
        return true;
    }

    /// <summary>A big-endian 24-bit length (handshake message headers, RFC 8446 §4).</summary>
    public static int ReadUInt24(ReadOnlySpan<byte> source) => (source[0] << 16) | (source[1] << 8) | source[2];
}
