using System.Security.Cryptography;
using Appliance.Core.Lists;

namespace Appliance.Core.Policy;

/// <summary>
/// Names on the locked statutory lists are never written in clear — not in the log, the journal, MQTT or the UI
/// (IWF licence terms; school-requirements.md). What is recorded instead is the list and a keyed hash of the
/// name, as a name in the reserved <c>.invalid</c> domain (RFC 6761) so that it flows through every place a
/// name goes: <c>h-&lt;24 hex&gt;.statutory-iwf.statutory.invalid</c>. Whoever holds the box's key (the Local
/// Authority, on request) can test whether a given name was the one hit; nobody else can reverse it.
/// </summary>
public static class StatutoryRedaction
{
    private const int HashBytes = 12;

    /// <summary>A new random key (HMAC-SHA-256, 32 bytes).</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    /// <summary>Writes the redacted wire name for <paramref name="lowerWireName"/>; returns its length.</summary>
    public static int Write(ReadOnlySpan<byte> key, ReadOnlySpan<byte> lowerWireName, ulong categories, Span<byte> destination)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, lowerWireName, mac);
        var list = (categories & Categories.Bit(Category.StatutoryIwf)) != 0 ? "statutory-iwf"u8 : "statutory-terrorism"u8;

        var at = 0;
        destination[at++] = 2 + (HashBytes * 2);
        destination[at++] = (byte)'h';
        destination[at++] = (byte)'-';
        foreach (var b in mac[..HashBytes])
        {
            destination[at++] = (byte)"0123456789abcdef"[b >> 4];
            destination[at++] = (byte)"0123456789abcdef"[b & 0xF];
        }

        destination[at++] = (byte)list.Length;
        list.CopyTo(destination[at..]);
        at += list.Length;
        ReadOnlySpan<byte> suffix = "\x0009statutory\x0007invalid\0"u8;
        suffix.CopyTo(destination[at..]);
        return at + suffix.Length;
    }
}
