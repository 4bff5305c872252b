using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Appliance.Protocols.Quic;

/// <summary>
/// The client's Initial packet protection keys (RFC 9001 §5.2, RFC 9369 §3.3). They derive from a published salt
/// and the client's Destination Connection ID alone, so anyone on the path can compute them: Initial packets are
/// obfuscated, not secret, which is what lets the filter read the ClientHello (RFC 9312 §3).
/// </summary>
public static class QuicInitialSecrets
{
    public const int SecretLength = 32;                // SHA-256 (RFC 9001 §5.2)
    public const int KeyLength = 16;                   // AEAD_AES_128_GCM
    public const int IvLength = 12;
    public const int HeaderProtectionKeyLength = 16;   // AES-128 (RFC 9001 §5.4.3)

    // RFC 9001 §5.2 and RFC 9369 §3.3.1.
    private static ReadOnlySpan<byte> SaltVersion1 =>
        [0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a];

    private static ReadOnlySpan<byte> SaltVersion2 =>
        [0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9];

    /// <summary>
    /// <c>client_initial_secret = HKDF-Expand-Label(HKDF-Extract(salt, dcid), "client in", "", 32)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The version is not 1 or 2.</exception>
    public static void DeriveClientSecret(uint version, ReadOnlySpan<byte> destinationConnectionId, Span<byte> secret)
    {
        var salt = version switch
        {
            QuicVersion.Version1 => SaltVersion1,
            QuicVersion.Version2 => SaltVersion2,
            _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Not a QUIC version we know."),
        };

        Span<byte> initialSecret = stackalloc byte[SecretLength];
        HKDF.Extract(HashAlgorithmName.SHA256, destinationConnectionId, salt, initialSecret);
        ExpandLabel(initialSecret, "client in"u8, secret[..SecretLength]);
    }

    /// <summary>
    /// The AEAD key and IV and the header protection key (RFC 9001 §5.1): labels "quic key", "quic iv" and
    /// "quic hp", which version 2 changes to "quicv2 …" (RFC 9369 §3.3.2).
    /// </summary>
    public static void DerivePacketKeys(uint version, ReadOnlySpan<byte> secret, Span<byte> key, Span<byte> iv, Span<byte> headerProtectionKey)
    {
        var v2 = version == QuicVersion.Version2;
        ExpandLabel(secret, v2 ? "quicv2 key"u8 : "quic key"u8, key[..KeyLength]);
        ExpandLabel(secret, v2 ? "quicv2 iv"u8 : "quic iv"u8, iv[..IvLength]);
        ExpandLabel(secret, v2 ? "quicv2 hp"u8 : "quic hp"u8, headerProtectionKey[..HeaderProtectionKeyLength]);
    }

    /// <summary>
    /// HKDF-Expand-Label with an empty context (RFC 8446 §7.1): the info is
    /// <c>uint16 length, opaque label&lt;7..255&gt; = "tls13 " + label, opaque context&lt;0..255&gt; = ""</c>.
    /// </summary>
    private static void ExpandLabel(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, Span<byte> output)
    {
        var prefix = "tls13 "u8;
        Span<byte> info = stackalloc byte[2 + 1 + prefix.Length + label.Length + 1];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)output.Length);
        info[2] = (byte)(prefix.Length + label.Length);
        prefix.CopyTo(info[3..]);
        label.CopyTo(info[(3 + prefix.Length)..]);
        info[^1] = 0;
        HKDF.Expand(HashAlgorithmName.SHA256, secret, output, info);
    }
}
