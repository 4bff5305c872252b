using System.Buffers.Binary;
using System.Numerics;

namespace Appliance.Protocols.Radius;

/// <summary>
/// MD4 (RFC 1320), which .NET does not ship. MSCHAPv2 needs it for the NT password hash and its hash (RFC 2759 §8.3,
/// §8.7); nothing else should use it, MD4 is long broken as a general hash. Allocation-free: whole blocks are read
/// straight from the input and only the padded tail is copied to the stack.
/// </summary>
public static class Md4
{
    public const int HashSize = 16;

    private const int BlockSize = 64;

    /// <summary>Writes MD4(<paramref name="source"/>) to the first 16 octets of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="HashSize"/>.</exception>
    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < HashSize)
        {
            ThrowDestinationTooShort();
        }

        // RFC 1320 §3.3: the initial buffer A, B, C, D (written low-order octet first in the RFC).
        Span<uint> state = [0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u];
        var whole = source.Length - (source.Length % BlockSize);
        for (var at = 0; at < whole; at += BlockSize)
        {
            Compress(state, source.Slice(at, BlockSize));
        }

        // RFC 1320 §3.1-3.2: a 1 bit, zeros to 56 mod 64, then the bit length as 64 bits, low-order word first.
        Span<byte> tail = stackalloc byte[2 * BlockSize];
        tail.Clear();
        var rest = source[whole..];
        rest.CopyTo(tail);
        tail[rest.Length] = 0x80;
        var tailLength = rest.Length < BlockSize - 8 ? BlockSize : 2 * BlockSize;
        BinaryPrimitives.WriteUInt64LittleEndian(tail[(tailLength - 8)..], (ulong)source.Length * 8);
        for (var at = 0; at < tailLength; at += BlockSize)
        {
            Compress(state, tail.Slice(at, BlockSize));
        }

        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(4 * i)..], state[i]);
        }

        tail.Clear();   // it may hold the end of a password
    }

    /// <summary>RFC 1320 §3.4: the three rounds over one 16-word block.</summary>
    private static void Compress(Span<uint> state, ReadOnlySpan<byte> block)
    {
        Span<uint> x = stackalloc uint[16];
        for (var i = 0; i < 16; i++)
        {
            x[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(4 * i)..]);
        }

        uint a = state[0], b = state[1], c = state[2], d = state[3];

        // Round 1: F(X,Y,Z) = XY v not(X) Z; [abcd k s] a = (a + F(b,c,d) + X[k]) <<< s, k in order, s = 3 7 11 19.
        for (var k = 0; k < 16; k += 4)
        {
            a = BitOperations.RotateLeft(a + ((b & c) | (~b & d)) + x[k], 3);
            d = BitOperations.RotateLeft(d + ((a & b) | (~a & c)) + x[k + 1], 7);
            c = BitOperations.RotateLeft(c + ((d & a) | (~d & b)) + x[k + 2], 11);
            b = BitOperations.RotateLeft(b + ((c & d) | (~c & a)) + x[k + 3], 19);
        }

        // Round 2: G(X,Y,Z) = XY v XZ v YZ, plus 0x5A827999; k runs down the columns (0 4 8 12, 1 5 9 13, ...), s = 3 5 9 13.
        const uint Round2 = 0x5A827999;
        for (var k = 0; k < 4; k++)
        {
            a = BitOperations.RotateLeft(a + ((b & c) | (b & d) | (c & d)) + x[k] + Round2, 3);
            d = BitOperations.RotateLeft(d + ((a & b) | (a & c) | (b & c)) + x[k + 4] + Round2, 5);
            c = BitOperations.RotateLeft(c + ((d & a) | (d & b) | (a & b)) + x[k + 8] + Round2, 9);
            b = BitOperations.RotateLeft(b + ((c & d) | (c & a) | (d & a)) + x[k + 12] + Round2, 13);
        }

        // Round 3: H(X,Y,Z) = X xor Y xor Z, plus 0x6ED9EBA1; k in bit-reversed order (0 8 4 12, 2 10 6 14, ...), s = 3 9 11 15.
        const uint Round3 = 0x6ED9EBA1;
        ReadOnlySpan<byte> order = [0, 2, 1, 3];
        foreach (var k in order)
        {
            a = BitOperations.RotateLeft(a + (b ^ c ^ d) + x[k] + Round3, 3);
            d = BitOperations.RotateLeft(d + (a ^ b ^ c) + x[k + 8] + Round3, 9);
            c = BitOperations.RotateLeft(c + (d ^ a ^ b) + x[k + 4] + Round3, 11);
            b = BitOperations.RotateLeft(b + (c ^ d ^ a) + x[k + 12] + Round3, 15);
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        x.Clear();
    }

    private static void ThrowDestinationTooShort() =>
        throw new ArgumentException($"The destination must hold {HashSize} octets.", "destination");
}
