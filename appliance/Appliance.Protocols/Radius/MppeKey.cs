using System.Buffers.Binary;

namespace Appliance.Protocols.Radius;

/// <summary>
/// MS-MPPE-Send-Key / MS-MPPE-Recv-Key values (RFC 2548 §2.4.2, §2.4.3): a 2-octet Salt whose high bit is set and
/// which is unique among the keys of one packet, then Key-Length ‖ Key ‖ zero padding to a multiple of 16, hidden
/// with b(1) = MD5(secret ‖ Request Authenticator ‖ Salt), b(i) = MD5(secret ‖ c(i-1)). Getting any of this wrong
/// leaves the access point with a different PMK from the station, which drops the client right after EAP-Success.
/// </summary>
public static class MppeKey
{
    private const int SaltLength = 2;

    /// <summary>A VSA value is at most 247 octets (253 - 6 of vendor header): salt + 240 ciphertext = a 239-octet key.</summary>
    public const int MaxKeyLength = 239;

    /// <summary>The value length for a key of <paramref name="keyLength"/> octets.</summary>
    public static int EncryptedLength(int keyLength) => SaltLength + ((keyLength + 1 + 15) / 16 * 16);

    /// <summary>
    /// Writes Salt ‖ ciphertext. The high bit of <paramref name="salt"/> is forced on (§2.4.2: "The most significant
    /// bit (leftmost) of the Salt field MUST be set (1)"); the caller keeps salts unique within a packet.
    /// </summary>
    public static bool TryEncrypt(
        ReadOnlySpan<byte> key, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> requestAuthenticator, ushort salt, Span<byte> destination, out int written)
    {
        written = 0;
        if (key.Length > MaxKeyLength || requestAuthenticator.Length != RadiusLimits.AuthenticatorLength
            || destination.Length < EncryptedLength(key.Length))
        {
            return false;
        }

        written = EncryptedLength(key.Length);
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(salt | 0x8000));
        var body = destination[SaltLength..written];
        body.Clear();
        body[0] = (byte)key.Length;
        key.CopyTo(body[1..]);
        RadiusHash.Hide(body, secret, requestAuthenticator, destination[..SaltLength], encrypt: true);
        return true;
    }

    /// <summary>
    /// Recovers the key (for tests and clients). False when the value is not Salt + whole blocks, the salt's high bit
    /// is clear, or the decrypted Key-Length claims more than the blocks hold.
    /// </summary>
    public static bool TryDecrypt(
        ReadOnlySpan<byte> value, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> requestAuthenticator, Span<byte> key, out int written)
    {
        written = 0;
        var bodyLength = value.Length - SaltLength;
        if (bodyLength <= 0 || bodyLength % 16 != 0 || bodyLength > MaxKeyLength + 1 || (value[0] & 0x80) == 0
            || requestAuthenticator.Length != RadiusLimits.AuthenticatorLength)
        {
            return false;
        }

        Span<byte> body = stackalloc byte[MaxKeyLength + 1];
        body = body[..bodyLength];
        value[SaltLength..].CopyTo(body);
        RadiusHash.Hide(body, secret, requestAuthenticator, value[..SaltLength], encrypt: false);
        int length = body[0];
        if (length >= bodyLength || key.Length < length)
        {
            body.Clear();
            return false;
        }

        body.Slice(1, length).CopyTo(key);
        body.Clear();
        written = length;
        return true;
    }
}
