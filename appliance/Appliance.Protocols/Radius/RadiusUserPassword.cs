namespace Appliance.Protocols.Radius;

/// <summary>
/// User-Password hiding (RFC 2865 §5.2): the password, padded with NULs to a multiple of 16, XORed block by block
/// with MD5(secret ‖ Request Authenticator), then MD5(secret ‖ previous ciphertext block).
/// </summary>
public static class RadiusUserPassword
{
    /// <summary>
    /// Recovers the password into <paramref name="destination"/>; <paramref name="written"/> excludes the NUL padding.
    /// False when the hidden value is not 16..128 octets in whole blocks (§5.2), which no honest client sends, or
    /// when the destination is smaller than the hidden value.
    /// </summary>
    public static bool TryDecrypt(
        ReadOnlySpan<byte> hidden, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> requestAuthenticator, Span<byte> destination, out int written)
    {
        written = 0;
        if (hidden.Length is 0 or > RadiusLimits.MaxUserPasswordLength || hidden.Length % RadiusHash.Md5Length != 0
            || destination.Length < hidden.Length || requestAuthenticator.Length != RadiusLimits.AuthenticatorLength)
        {
            return false;
        }

        var plain = destination[..hidden.Length];
        hidden.CopyTo(plain);
        RadiusHash.Hide(plain, secret, requestAuthenticator, default, encrypt: false);
        written = plain.IndexOf((byte)0) is var nul and >= 0 ? nul : plain.Length;
        return true;
    }

    /// <summary>The client's direction, for tests and probes: hides <paramref name="password"/> (at most 128 octets).</summary>
    public static bool TryEncrypt(
        ReadOnlySpan<byte> password, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> requestAuthenticator, Span<byte> destination, out int written)
    {
        written = Math.Max(1, (password.Length + RadiusHash.Md5Length - 1) / RadiusHash.Md5Length) * RadiusHash.Md5Length;
        if (written > RadiusLimits.MaxUserPasswordLength || destination.Length < written || requestAuthenticator.Length != RadiusLimits.AuthenticatorLength)
        {
            written = 0;
            return false;
        }

        var block = destination[..written];
        block.Clear();
        password.CopyTo(block);
        RadiusHash.Hide(block, secret, requestAuthenticator, default, encrypt: true);
        return true;
    }
}
