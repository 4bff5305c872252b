using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Appliance.Radius.Users;

/// <summary>
/// PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) with the HMAC's inner and outer key blocks hashed once, not once per iteration:
/// each iteration is then exactly two SHA-256 compressions, done by OpenSSL's <c>SHA256_Transform</c> (SHA-NI or ARMv8
/// SHA2 where the CPU has them). The BCL's <see cref="Rfc2898DeriveBytes.Pbkdf2(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, int, HashAlgorithmName)"/>
/// goes through OpenSSL's generic HMAC per iteration and measured 37–40 ms for 100,000 iterations here, against 33 ms
/// for FreeRADIUS's PBKDF2 — and a TTLS-PAP or PAP login's cost is this hash (docs/performance.md, "RADIUS"). Same
/// output (tested against the BCL and RFC 7914 §11's vectors); where libcrypto lacks the (deprecated, still exported)
/// low-level SHA-256 functions, the BCL is used.
/// </summary>
internal static partial class Pbkdf2Sha256
{
    private const int BlockSize = 64;
    private const int DigestSize = 32;
    // SHA256_CTX is 112 bytes in OpenSSL 1.1 and 3 (h[8] first, then Nl, Nh, data[16], num, md_len: openssl/sha.h); room to spare.
    private const int ContextSize = 256;

    private static readonly bool Native = Probe();

    public static void Derive(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, Span<byte> destination)
    {
        if (Native)
        {
            DeriveNative(password, salt, iterations, destination);
        }
        else
        {
            Rfc2898DeriveBytes.Pbkdf2(password, salt, destination, iterations, HashAlgorithmName.SHA256);
        }
    }

    /// <summary>Whether the two-compressions-per-iteration path is in use (tests; health could say).</summary>
    internal static bool UsesNative => Native;

    internal static void DeriveNative(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, Span<byte> destination)
    {

        // RFC 2104: a key longer than the block is hashed first; then both pads are one block each.
        Span<byte> key = stackalloc byte[BlockSize];
        key.Clear();
        if (password.Length > BlockSize)
        {
            SHA256.HashData(password, key);
        }
        else
        {
            password.CopyTo(key);
        }

        Span<uint> inner = stackalloc uint[8];
        Span<uint> outer = stackalloc uint[8];
        Span<byte> context = stackalloc byte[ContextSize];
        PadState(key, 0x36, context, inner);
        PadState(key, 0x5c, context, outer);

        Span<byte> saltAndIndex = stackalloc byte[salt.Length + 4];
        salt.CopyTo(saltAndIndex);
        Span<byte> u = stackalloc byte[DigestSize];
        Span<uint> t = stackalloc uint[8];
        Span<uint> words = stackalloc uint[8];
        Span<byte> block = stackalloc byte[BlockSize];
        for (var index = 1; (index - 1) * DigestSize < destination.Length; index++)
        {
            BinaryPrimitives.WriteInt32BigEndian(saltAndIndex[salt.Length..], index);
            HMACSHA256.HashData(password, saltAndIndex, u);   // U1 = PRF(P, S ‖ INT(i))
            ToWords(u, t);
            ToWords(u, words);
            for (var j = 1; j < iterations; j++)
            {
                Compress(context, inner, words, block);   // SHA-256(ipad ‖ U)
                Compress(context, outer, words, block);   // SHA-256(opad ‖ inner) = the next U
                for (var w = 0; w < 8; w++)
                {
                    t[w] ^= words[w];
                }
            }

            var offset = (index - 1) * DigestSize;
            var take = Math.Min(DigestSize, destination.Length - offset);
            for (var w = 0; w < 8; w++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(u[(w * 4)..], t[w]);
            }

            u[..take].CopyTo(destination[offset..]);
        }

        // The pad states, the running XOR and the context are password-equivalent for this salt and more: none is left behind.
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(u);
        CryptographicOperations.ZeroMemory(block);
        CryptographicOperations.ZeroMemory(context);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(inner));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(outer));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(t));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(words));
    }

    // The chaining value after the one key ⊕ pad block: the state every HMAC with this key starts from.
    private static unsafe void PadState(ReadOnlySpan<byte> key, byte pad, Span<byte> context, Span<uint> state)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        for (var i = 0; i < BlockSize; i++)
        {
            block[i] = (byte)(key[i] ^ pad);
        }

        fixed (byte* c = context)
        fixed (byte* b = block)
        {
            _ = SHA256_Init(c);   // returns 1; it cannot fail for a caller-owned context
            SHA256_Transform(c, b);
        }

        MemoryMarshal.Cast<byte, uint>(context)[..8].CopyTo(state);
        CryptographicOperations.ZeroMemory(block);
    }

    // One compression of a 32-octet message (the previous digest) from a saved state: the message, 0x80, zeros and the
    // bit length of pad block + message (96 octets = 768 bits) fill exactly one block. words: in, then the digest out.
    private static unsafe void Compress(Span<byte> context, ReadOnlySpan<uint> state, Span<uint> words, Span<byte> block)
    {
        for (var w = 0; w < 8; w++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(block[(w * 4)..], words[w]);
        }

        block[DigestSize] = 0x80;
        block[(DigestSize + 1)..^8].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(block[^8..], (BlockSize + DigestSize) * 8);
        var h = MemoryMarshal.Cast<byte, uint>(context)[..8];
        state.CopyTo(h);
        fixed (byte* c = context)
        fixed (byte* b = block)
        {
            SHA256_Transform(c, b);
        }

        h.CopyTo(words);
    }

    private static void ToWords(ReadOnlySpan<byte> digest, Span<uint> words)
    {
        for (var w = 0; w < 8; w++)
        {
            words[w] = BinaryPrimitives.ReadUInt32BigEndian(digest[(w * 4)..]);
        }
    }

    // The fast path only when libcrypto has the functions and they agree with the BCL on a known input.
    private static bool Probe()
    {
        try
        {
            Span<byte> fast = stackalloc byte[DigestSize];
            Span<byte> reference = stackalloc byte[DigestSize];
            Rfc2898DeriveBytes.Pbkdf2("probe"u8, "salt-of-the-probe"u8, reference, 3, HashAlgorithmName.SHA256);
            DeriveNative("probe"u8, "salt-of-the-probe"u8, 3, fast);
            return fast.SequenceEqual(reference);
        }
        catch (Exception)
        {
            return false;   // no libcrypto, no such function, or anything else: the BCL's PBKDF2 then, never a broken check
        }
    }

    [LibraryImport("libcrypto.so.3")]
    private static unsafe partial int SHA256_Init(byte* context);

    [LibraryImport("libcrypto.so.3")]
    private static unsafe partial void SHA256_Transform(byte* context, byte* data);
}
