using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Appliance.Protocols.Radius;

/// <summary>
/// The MD5 constructions RADIUS is built from. MD5 of several pieces is computed over one pooled scratch buffer
/// (cleared on return, as it holds the shared secret) so that the hot path allocates nothing per packet.
/// </summary>
[SuppressMessage("Security", "CA5351", Justification = "RADIUS (RFC 2865, 2866, 2548, 3579) mandates MD5 and HMAC-MD5; RadSec is the way out, not another hash.")]
internal static class RadiusHash
{
    public const int Md5Length = 16;

    /// <summary>MD5(a ‖ b ‖ c ‖ d).</summary>
    public static void Md5(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d, Span<byte> destination)
    {
        var total = a.Length + b.Length + c.Length + d.Length;
        var rented = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            var scratch = rented.AsSpan(0, total);
            a.CopyTo(scratch);
            b.CopyTo(scratch[a.Length..]);
            c.CopyTo(scratch[(a.Length + b.Length)..]);
            d.CopyTo(scratch[(a.Length + b.Length + c.Length)..]);
            MD5.HashData(scratch, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }

    /// <summary>
    /// The authenticator MD5 of RFC 2865 §3 and RFC 2866 §3: MD5(Code+ID+Length + <paramref name="authenticator"/> +
    /// Attributes + Secret), where <paramref name="packet"/> is exactly Length octets.
    /// </summary>
    public static void PacketMd5(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> authenticator, ReadOnlySpan<byte> secret, Span<byte> destination) =>
        Md5(packet[..4], authenticator, packet[RadiusLimits.HeaderLength..], secret, destination);

    /// <summary>
    /// The block cipher shared by User-Password (RFC 2865 §5.2) and MS-MPPE keys (RFC 2548 §2.4.2): c(i) = p(i) XOR b(i)
    /// with b(1) = MD5(secret ‖ iv) and b(i) = MD5(secret ‖ c(i-1)). Works in place on whole 16-octet blocks.
    /// </summary>
    public static void Hide(Span<byte> data, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ivSuffix, bool encrypt)
    {
        Span<byte> b = stackalloc byte[Md5Length];
        Span<byte> previous = stackalloc byte[Md5Length];
        Md5(secret, iv, ivSuffix, default, b);
        for (var at = 0; at < data.Length; at += Md5Length)
        {
            var block = data.Slice(at, Md5Length);
            if (!encrypt)
            {
                block.CopyTo(previous);   // the chain runs on ciphertext, which decryption overwrites
            }

            for (var i = 0; i < Md5Length; i++)
            {
                block[i] ^= b[i];
            }

            Md5(secret, encrypt ? block : previous, default, default, b);
        }

        CryptographicOperations.ZeroMemory(b);
    }
}
