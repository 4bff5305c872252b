using System.Buffers;

namespace Appliance.Protocols.Http;

/// <summary>Which host a request names: the request target's authority or the Host field (RFC 9112 §3.2).</summary>
public static partial class HttpRequestHead
{
    // RFC 3986 §3.2.2 reg-name: unreserved / pct-encoded / sub-delims. Inside brackets ':' joins them (IP-literal).
    private static readonly SearchValues<byte> RegNameChars =
        SearchValues.Create("-._~!$&'()*+,;=%0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static readonly SearchValues<byte> IpLiteralChars =
        SearchValues.Create(":-._~!$&'()*+,;=%0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static ParseStatus ChooseHost(
        ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, bool hasHostField, ReadOnlySpan<byte> hostField, out ReadOnlySpan<byte> host)
    {
        host = default;

        // Even when the target wins, an invalid Host value is a 400 (RFC 9112 §3.2), so it is always checked.
        if (hasHostField && !TryReadHostAndPort(hostField, out host))
        {
            return ParseStatus.Malformed;
        }

        var status = ReadTargetAuthority(method, target, out var authority, out var hasAuthority);
        if (status != ParseStatus.Ok || !hasAuthority)
        {
            return status;
        }

        // RFC 9110 §4.2.1: an http URI with an empty host is invalid and MUST be rejected.
        return TryReadHostAndPort(authority, out host) && !host.IsEmpty ? ParseStatus.Ok : ParseStatus.Malformed;
    }

    /// <summary>
    /// The authority a request target carries (RFC 9112 §3.2): none in origin-form ("/path") and asterisk-form
    /// ("*"); the whole target in authority-form (CONNECT host:port, §3.2.3); in absolute-form
    /// ("http://host:port/path", §3.2.2) what lies between "//" and the next '/', '?' or '#'. A proxy would connect
    /// to exactly that host, whatever Host says, which is why it wins.
    /// </summary>
    private static ParseStatus ReadTargetAuthority(
        ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, out ReadOnlySpan<byte> authority, out bool hasAuthority)
    {
        authority = default;
        hasAuthority = false;
        if (target[0] == '/' || target.SequenceEqual("*"u8))
        {
            return ParseStatus.Ok;
        }

        hasAuthority = true;
        if (method.SequenceEqual("CONNECT"u8))
        {
            authority = target;
            return ParseStatus.Ok;
        }

        // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://" for a URI with an authority.
        var colon = target.IndexOf((byte)':');
        if (colon < 1 || !char.IsAsciiLetter((char)target[0]) || !IsSchemeTail(target[1..colon])
            || !target[(colon + 1)..].StartsWith("//"u8))
        {
            return ParseStatus.Malformed;
        }

        var rest = target[(colon + 3)..];
        var end = rest.IndexOfAny("/?#"u8);
        authority = end < 0 ? rest : rest[..end];
        return ParseStatus.Ok;
    }

    private static bool IsSchemeTail(ReadOnlySpan<byte> tail)
    {
        foreach (var c in tail)
        {
            if (!char.IsAsciiLetterOrDigit((char)c) && c is not ((byte)'+' or (byte)'-' or (byte)'.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <c>uri-host [ ":" port ]</c> (RFC 9110 §7.2) to the host alone. Userinfo is refused (RFC 9110 §4.2.4: a
    /// recipient SHOULD treat it as an error; "allowed.example@blocked.example" is the trick it enables). The port
    /// may be empty (RFC 3986 §3.2.3) but holds digits only. An empty value gives an empty host.
    /// </summary>
    private static bool TryReadHostAndPort(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> host)
    {
        host = default;
        ReadOnlySpan<byte> port;
        if (!value.IsEmpty && value[0] == '[')
        {
            var close = value.IndexOf((byte)']');
            if (close < 2 || value[1..close].ContainsAnyExcept(IpLiteralChars))
            {
                return false;
            }

            host = value[..(close + 1)];
            port = value[(close + 1)..];
        }
        else
        {
            var colon = value.IndexOf((byte)':');
            host = colon < 0 ? value : value[..colon];
            port = colon < 0 ? default : value[colon..];
            if (host.ContainsAnyExcept(RegNameChars))
            {
                return false;
            }
        }

        return port.IsEmpty || (port[0] == ':' && !port[1..].ContainsAnyExceptInRange((byte)'0', (byte)'9'));
    }
}
