using System.Security.Cryptography;
using System.Text;

namespace Appliance.Radius.Server;

/// <summary>
/// The Class attribute we put in an Access-Accept (RFC 2865 §5.25): the NAS sends it back unchanged in every accounting
/// record of that session, so it names the authenticated (inner) user even when the access point's accounting carries
/// only the outer identity (<c>anonymous@school</c>). It is <c>sg1:</c> + user + <c>:</c> + a keyed MAC over the user, so
/// a forged accounting record cannot claim someone else's identity without the key, and no table survives a restart.
/// </summary>
public sealed class ClassToken(byte[] key)
{
    private const string Prefix = "sg1:";
    private const int MacLength = 16;


    /// <summary>A fresh random key (the host keeps one in the data directory so tokens outlive a restart).</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    /// <returns>The token, or null when the name is too long for one attribute (accounting then falls back to <see cref="RecentLogins"/>).</returns>
    public byte[]? Create(string user)
    {
        var mac = Mac(user);
        var token = Encoding.UTF8.GetBytes($"{Prefix}{user}:{Convert.ToHexStringLower(mac)}");
        return token.Length <= 253 ? token : null;
    }

    /// <summary>The user a Class of ours names; false for anyone else's Class or a forged one.</summary>
    public bool TryRead(ReadOnlySpan<byte> value, out string user)
    {
        user = "";
        var text = Encoding.UTF8.GetString(value);
        var colon = text.LastIndexOf(':');
        if (!text.StartsWith(Prefix, StringComparison.Ordinal) || colon <= Prefix.Length || text.Length - colon - 1 != MacLength * 2)
        {
            return false;
        }

        var name = text[Prefix.Length..colon];
        Span<byte> given = stackalloc byte[MacLength];
        if (Convert.FromHexString(text.AsSpan(colon + 1), given, out _, out var written) != System.Buffers.OperationStatus.Done || written != MacLength
            || !CryptographicOperations.FixedTimeEquals(given, Mac(name)))
        {
            return false;
        }

        user = name;
        return true;
    }

    private byte[] Mac(string user) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(user))[..MacLength];
}
