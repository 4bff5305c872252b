namespace Appliance.Protocols.Quic;

/// <summary>
/// QUIC variable-length integers (RFC 9000 §16): the two high bits of the first byte give the length (1, 2, 4 or 8
/// bytes), the rest is a big-endian value below 2^62.
/// </summary>
internal static class QuicVarint
{
    /// <summary>Reads one integer from the front of <paramref name="source"/> and advances past it, or returns false.</summary>
    public static bool TryRead(ref ReadOnlySpan<byte> source, out ulong value)
    {
        value = 0;
        if (source.IsEmpty)
        {
            return false;
        }

        var length = 1 << (source[0] >> 6);
        if (source.Length < length)
        {
            return false;
        }

        value = source[0] & 0x3Fu;
        for (var i = 1; i < length; i++)
        {
            value = (value << 8) | source[i];
        }

        source = source[length..];
        return true;
    }

    /// <summary>Reads an integer that counts bytes still to come in <paramref name="source"/>: false if it is larger.</summary>
    public static bool TryReadLength(ref ReadOnlySpan<byte> source, out int length)
    {
        length = 0;
        if (!TryRead(ref source, out var value) || value > (ulong)source.Length)
        {
            return false;
        }

        length = (int)value;
        return true;
    }
}
