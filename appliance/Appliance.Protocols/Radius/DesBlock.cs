using System.Buffers.Binary;

namespace Appliance.Protocols.Radius;

/// <summary>
/// Single-block DES encryption (FIPS 46-3) with the 7-octet keys of RFC 2759 §8.6 (DesEncrypt). Written here rather
/// than taken from <see cref="System.Security.Cryptography.DES"/> for three reasons, checked on .NET 10 / OpenSSL 3:
/// <list type="number">
/// <item>The BCL refuses the 4 weak and 12 semi-weak keys (CryptographicException from both <c>Key</c> and
/// <c>SetKey</c>; TripleDES too). MSCHAPv2's third key is the NT hash's last two octets followed by five zero octets,
/// which is the weak all-zero key whenever those two octets are zero: one user in 65,536. Their logins must work.</item>
/// <item>The BCL path allocates a cipher object and key copies per call; this one allocates nothing.</item>
/// <item>The key is the NT hash, which is password-equivalent. S-box look-ups here read every entry and select with a
/// mask, so memory access does not depend on the key (no cache-timing channel); the permutations are branch-free.</item>
/// </list>
/// The tests compare it with the BCL on thousands of random (non-weak) keys and check the weak-key known answer.
/// </summary>
internal static class DesBlock
{
    public const int KeyLength = 7;
    public const int BlockLength = 8;

    /// <summary>Encrypts one 8-octet block with a 7-octet (56-bit, parity-free) key.</summary>
    public static void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> clear, Span<byte> cipher)
    {
        if (key.Length != KeyLength || clear.Length != BlockLength || cipher.Length < BlockLength)
        {
            ThrowBadLength();
        }

        Span<ulong> subkeys = stackalloc ulong[16];
        Schedule(key, subkeys);
        var block = Permute(BinaryPrimitives.ReadUInt64BigEndian(clear), 64, InitialPermutation);
        var left = (uint)(block >> 32);
        var right = (uint)block;
        for (var round = 0; round < 16; round++)
        {
            (left, right) = (right, left ^ Feistel(right, subkeys[round]));
        }

        // The last round does not swap, so the halves go back as (R16, L16).
        var output = Permute(((ulong)right << 32) | left, 64, FinalPermutation);
        BinaryPrimitives.WriteUInt64BigEndian(cipher, output);
        subkeys.Clear();
    }

    /// <summary>
    /// The key schedule. RFC 2759 §8.6 spreads the 56 key bits over 8 octets, 7 bits each, with the low (parity) bit
    /// left for DES to ignore; PC-1 then drops those parity bits.
    /// </summary>
    private static void Schedule(ReadOnlySpan<byte> key, Span<ulong> subkeys)
    {
        ulong key56 = 0;
        foreach (var octet in key)
        {
            key56 = (key56 << 8) | octet;
        }

        ulong key64 = 0;
        for (var i = 0; i < 8; i++)
        {
            key64 = (key64 << 8) | (((key56 >> (49 - (7 * i))) & 0x7F) << 1);
        }

        var cd = Permute(key64, 64, PermutedChoice1);
        var c = (uint)(cd >> 28) & 0x0FFFFFFF;
        var d = (uint)cd & 0x0FFFFFFF;
        for (var round = 0; round < 16; round++)
        {
            var shift = Shifts[round];
            c = ((c << shift) | (c >> (28 - shift))) & 0x0FFFFFFF;
            d = ((d << shift) | (d >> (28 - shift))) & 0x0FFFFFFF;
            subkeys[round] = Permute(((ulong)c << 28) | d, 56, PermutedChoice2);
        }
    }

    /// <summary>f(R, K) = P(S(E(R) xor K)).</summary>
    private static uint Feistel(uint right, ulong subkey)
    {
        var mixed = Permute(right, 32, Expansion) ^ subkey;
        uint substituted = 0;
        for (var box = 0; box < 8; box++)
        {
            var six = (int)(mixed >> (42 - (6 * box))) & 0x3F;
            var index = (((six & 0x20) | ((six & 1) << 4)) | ((six >> 1) & 0x0F));   // row = first and last bit, column = middle four
            substituted = (substituted << 4) | SelectConstantTime(SBoxes.Slice(64 * box, 64), index);
        }

        return (uint)Permute(substituted, 32, Permutation);
    }

    /// <summary>table[index], reading all 64 entries so that the index leaves no trace in the cache.</summary>
    private static uint SelectConstantTime(ReadOnlySpan<byte> table, int index)
    {
        uint value = 0;
        for (var i = 0; i < table.Length; i++)
        {
            var match = (uint)(((i ^ index) - 1) >> 31);   // all ones when i == index, else zero
            value |= table[i] & match;
        }

        return value;
    }

    /// <summary>Bit i of the output (counting from the most significant) is bit table[i] of the input (1-based from the MSB).</summary>
    private static ulong Permute(ulong input, int inputWidth, ReadOnlySpan<byte> table)
    {
        ulong output = 0;
        foreach (var position in table)
        {
            output = (output << 1) | ((input >> (inputWidth - position)) & 1);
        }

        return output;
    }

    private static void ThrowBadLength() =>
        throw new ArgumentException("DES takes a 7-octet key and an 8-octet block.");

    // FIPS 46-3 tables, as printed there.
    private static ReadOnlySpan<byte> InitialPermutation =>
    [
        58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
        57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
    ];

    private static ReadOnlySpan<byte> FinalPermutation =>
    [
        40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
        36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, 34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
    ];

    private static ReadOnlySpan<byte> Expansion =>
    [
        32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
        16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
    ];

    private static ReadOnlySpan<byte> Permutation =>
    [
        16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
    ];

    private static ReadOnlySpan<byte> PermutedChoice1 =>
    [
        57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
        63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
    ];

    private static ReadOnlySpan<byte> PermutedChoice2 =>
    [
        14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
        41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
    ];

    private static ReadOnlySpan<byte> Shifts => [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

    /// <summary>S1..S8, each 4 rows of 16.</summary>
    private static ReadOnlySpan<byte> SBoxes =>
    [
        14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
        4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
        15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
        0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
        10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
        13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
        7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
        10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
        2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
        4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
        12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
        9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
        4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
        1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
        13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
        7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
    ];
}
