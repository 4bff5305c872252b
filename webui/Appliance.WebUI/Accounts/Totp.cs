using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Appliance.WebUI.Accounts;

/// <summary>
/// Time-based one-time passwords as every authenticator app makes them: RFC 6238 over RFC 4226's HOTP with HMAC-SHA1,
/// 30-second steps, 6 digits; the key shown in base32 (RFC 4648 §6) and as an <c>otpauth://</c> URI.
/// </summary>
public static class Totp
{
    public const int SecretLength = 20;   // 160 bits, RFC 4226 §4's recommendation for HMAC-SHA1
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretLength);

    /// <summary>The code for time step <paramref name="step"/> (RFC 4226 §5.3: dynamic truncation, modulo 10^6).</summary>
    public static string Code(byte[] secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> mac = stackalloc byte[20];
#pragma warning disable CA5350   // HMAC-SHA1 is what RFC 6238 and every authenticator app use; HMAC's strength does not rest on SHA-1's collision resistance
        HMACSHA1.HashData(secret, counter, mac);
#pragma warning restore CA5350
        var offset = mac[19] & 0x0f;
        var value = (BinaryPrimitives.ReadInt32BigEndian(mac[offset..]) & 0x7fffffff) % 1_000_000;
        return value.ToString("D6", CultureInfo.InvariantCulture);
    }

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / (long)Step.TotalSeconds;

    /// <summary>
    /// The step a typed code matches, one step either side of now allowed for clock drift (RFC 6238 §5.2), and only a
    /// step after <paramref name="lastUsed"/> (a code is good once); null if none.
    /// </summary>
    public static long? Match(byte[] secret, string code, DateTimeOffset now, long lastUsed)
    {
        code = code.Replace(" ", "", StringComparison.Ordinal).Trim();
        if (code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        var current = StepAt(now);
        for (var step = current - 1; step <= current + 1; step++)
        {
            if (step > lastUsed && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Code(secret, step)), Encoding.ASCII.GetBytes(code)))
            {
                return step;
            }
        }

        return null;
    }

    /// <summary>RFC 4648 §6 base32, without padding, as authenticator apps take a typed key.</summary>
    public static string Base32(ReadOnlySpan<byte> data)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var text = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            text.Append(alphabet[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }

    /// <summary>The key-URI format authenticator apps read (Google Authenticator's documented <c>otpauth://totp/</c> form).</summary>
    public static string Uri(string issuer, string account, byte[] secret) =>
        $"otpauth://totp/{System.Uri.EscapeDataString(issuer)}:{System.Uri.EscapeDataString(account)}?secret={Base32(secret)}&issuer={System.Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits=6&period=30";
}
