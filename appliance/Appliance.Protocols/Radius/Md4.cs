using System.Buffers.Binary;
using System.Numerics;

namespace Appliance.Protocols.Radius;

/// <summary>
/// MD4 (RFC 1320), needed only for the NT password hash of MSCHAPv2 (RFC 2759 §8.3: NtPasswordHash = MD4 of the
/// UTF-16LE password). .NET has no MD4 (it is broken as a general hash; never use it for anything else).
/// </summary>
public static class Md4
{
    public const int HashSizeInBytes = 16;
    private const int BlockSize = 64;

    /// <summary>MD4 of <paramref name="source"/> into the first 16 octets of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 16 octets.</exception>
    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < HashSizeInBytes)
        {
            throw new ArgumentException("MD4 needs a 16-octet destination", nameof(destination));
        }

        // RFC 1320 §3.3: the initial state A, B, C, D.
        Span<uint> state = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
        var whole = source.Length - (source.Length % BlockSize);
        for (var offset = 0; offset < whole; offset += BlockSize)
        {
            Compress(state, source.Slice(offset, BlockSize));
        }

        // RFC 1320 §3.1–3.2: a 1 bit, zeros to 56 mod 64, then the bit length as 64 bits little-endian.
        Span<byte> tail = stackalloc byte[2 * BlockSize];
        tail.Clear();
        var rest = source[whole..];
        rest.CopyTo(tail);
        tail[rest.Length] = 0x80;
        var tailLength = rest.Length < 56 ? BlockSize : 2 * BlockSize;
        BinaryPrimitives.WriteUInt64LittleEndian(tail[(tailLength - 8)..], (ulong)source.Length * 8);
        for (var offset = 0; offset < tailLength; offset += BlockSize)
        {
            Compress(state, tail.Slice(offset, BlockSize));
        }

        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(4 * i)..], state[i]);
        }
    }

    // RFC 1320 §3.4: three rounds of 16 operations over the block's 16 little-endian words.
    private static void Compress(Span<uint> state, ReadOnlySpan<byte> block)
    {
        Span<uint> x = stackalloc uint[16];
        for (var i = 0; i < 16; i++)
        {
            x[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(4 * i)..]);
        }

        uint a = state[0], b = state[1], c = state[2], d = state[3];

        // Round 1: F(X,Y,Z) = XY v not(X)Z; words in order; shifts 3, 7, 11, 19.
        for (var i = 0; i < 16; i += 4)
        {
            a = BitOperations.RotateLeft(a + ((b & c) | (~b & d)) + x[i], 3);
            d = BitOperations.RotateLeft(d + ((a & b) | (~a & c)) + x[i + 1], 7);
            c = BitOperations.RotateLeft(c + ((d & a) | (~d & b)) + x[i + 2], 11);
            b = BitOperations.RotateLeft(b + ((c & d) | (~c & a)) + x[i + 3], 19);
        }

        // Round 2: G(X,Y,Z) = XY v XZ v YZ plus 0x5A827999; words by column; shifts 3, 5, 9, 13.
        const uint Round2 = 0x5A827999;
        for (var i = 0; i < 4; i++)
        {
            a = BitOperations.RotateLeft(a + ((b & c) | (b & d) | (c & d)) + x[i] + Round2, 3);
            d = BitOperations.RotateLeft(d + ((a & b) | (a & c) | (b & c)) + x[i + 4] + Round2, 5);
            c = BitOperations.RotateLeft(c + ((d & a) | (d & b) | (a & b)) + x[i + 8] + Round2, 9);
            b = BitOperations.RotateLeft(b + ((c & d) | (c & a) | (d & a)) + x[i + 12] + Round2, 13);
        }

        // Round 3: H(X,Y,Z) = X xor Y xor Z plus 0x6ED9EBA1; words in bit-reversed order 0 8 4 12 2 10 6 14 …; shifts 3, 9, 11, 15.
        const uint Round3 = 0x6ED9EBA1;
        ReadOnlySpan<int> order = [0, 2, 1, 3];
        foreach (var i in order)
        {
            a = BitOperations.RotateLeft(a + (b ^ c ^ d) + x[i] + Round3, 3);
            d = BitOperations.RotateLeft(d + (a ^ b ^ c) + x[i + 8] + Round3, 9);
            c = BitOperations.RotateLeft(c + (d ^ a ^ b) + x[i + 4] + Round3, 11);
            b = BitOperations.RotateLeft(b + (c ^ d ^ a) + x[i + 12] + Round3, 15);
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        x.Clear();
    }
}
