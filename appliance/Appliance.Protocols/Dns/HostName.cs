using System.Buffers;

namespace Appliance.Protocols.Dns;

/// <summary>Host names as the packet filter reads them: a TLS SNI or an HTTP Host, turned into a policy lookup key.</summary>
public static partial class DnsName
{
    /// <summary>
    /// Encodes an ASCII host name (an SNI host_name, RFC 6066 §3, or an HTTP Host without its port, RFC 9110 §7.2)
    /// into lower-case DNS wire form (RFC 1035 §3.1), the form the policy engine looks up. One trailing dot is
    /// accepted. Returns false for an empty name or label, a label over 63 bytes, a wire form over 255 bytes, a
    /// <paramref name="destination"/> too small, or any byte but letters, digits, '-' and '_' (RFC 952 / RFC 1123
    /// LDH, plus the underscore real names use). That rejects NUL, spaces, '%' escapes and raw UTF-8, the bytes a
    /// name would need to mean one thing to the filter and another to a server or resolver; IDNs arrive as
    /// A-labels (xn--). An IP literal such as 192.0.2.1 encodes like any name: check <see cref="IsIpLiteral"/> first.
    /// </summary>
    public static bool TryEncodeHostName(ReadOnlySpan<byte> asciiName, Span<byte> destination, out int written)
    {
        written = 0;
        if (!asciiName.IsEmpty && asciiName[^1] == '.')
        {
            asciiName = asciiName[..^1];
        }

        // The wire form is the text plus two bytes: the first label's length and the root's zero.
        var wireLength = asciiName.Length + 2;
        if (asciiName.IsEmpty || wireLength > DnsLimits.MaxNameLength || wireLength > destination.Length)
        {
            return false;
        }

        var lengthAt = 0;
        for (var i = 0; i <= asciiName.Length; i++)
        {
            if (i == asciiName.Length || asciiName[i] == '.')
            {
                var labelLength = i - lengthAt;   // text index i is wire index i + 1
                if (labelLength is 0 or > DnsLimits.MaxLabelLength)
                {
                    return false;
                }

                destination[lengthAt] = (byte)labelLength;
                lengthAt = i + 1;
                continue;
            }

            var c = asciiName[i];
            if (!IsHostNameByte(c))
            {
                return false;
            }

            destination[i + 1] = ToLower(c);
        }

        destination[wireLength - 1] = 0;
        written = wireLength;
        return true;
    }

    /// <summary>
    /// Whether a host name is really an address: IPv6 text (any ':' with hex digits and dots, optionally in
    /// brackets and with a %zone), or IPv4 by the WHATWG URL rule that a host whose last label is a number is an
    /// address (so 192.0.2.1, but also 3221225985, 0xc0.2.1 and 192.0.2.1. that browsers and inet_aton accept).
    /// No top-level domain is numeric (RFC 3696 §2), so no real name is mistaken. It recognises shape only; it does
    /// not check that the address is valid. RFC 6066 §3 forbids literals in SNI, so the caller judges these flows
    /// by address, not name.
    /// </summary>
    public static bool IsIpLiteral(ReadOnlySpan<byte> host)
    {
        if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
        {
            return IsIpv6Text(host[1..^1]);
        }

        if (host.Contains((byte)':'))
        {
            return IsIpv6Text(host);
        }

        if (!host.IsEmpty && host[^1] == '.')
        {
            host = host[..^1];
        }

        var last = host[(host.LastIndexOf((byte)'.') + 1)..];
        if (last.IsEmpty)
        {
            return false;
        }

        if (last.Length >= 2 && last[0] == '0' && (last[1] | 0x20) == 'x')
        {
            return !last[2..].ContainsAnyExcept(HexDigits);
        }

        return !last.ContainsAnyExceptInRange((byte)'0', (byte)'9');
    }

    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789abcdefABCDEF"u8);

    private static bool IsIpv6Text(ReadOnlySpan<byte> text)
    {
        var zone = text.IndexOf((byte)'%');   // RFC 6874 zone identifier: its text is not part of the address
        if (zone >= 0)
        {
            text = text[..zone];
        }

        return text.Count((byte)':') >= 2 && !text.ContainsAnyExcept(Ipv6Characters);
    }

    private static readonly SearchValues<byte> Ipv6Characters = SearchValues.Create(":.0123456789abcdefABCDEF"u8);

    private static bool IsHostNameByte(byte c) =>
        (uint)((c | 0x20) - 'a') <= 'z' - 'a' || (uint)(c - '0') <= 9 || c is (byte)'-' or (byte)'_';
}
