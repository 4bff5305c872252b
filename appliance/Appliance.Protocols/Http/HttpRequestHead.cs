using System.Buffers;
using System.Text;

namespace Appliance.Protocols.Http;

/// <summary>
/// Finds the host an HTTP/1.x request is for (RFC 9112 §3.2, RFC 9110 §7.2) in the first bytes of a TCP stream, for
/// the packet filter, which calls it each time more of the flow's client bytes arrive. Stateless: each call parses
/// from the first byte (at most <see cref="MaxHeadBytes"/> of them), so a header split anywhere between segments
/// reads the same as one that arrived whole.
/// <code>
///  [empty lines] ─► method ─SP─► target ─SP─► HTTP/1.d ─EOL─► field lines ─EOL─► end of head: Ok
///       │             │            │             │                  │
///       │ more than 4 │ no token,  │ line ends   │ HTTP/2.          │ obs-fold, bad name, CTL in a value,
///       │             │ too long   │ (HTTP/0.9)  │                  │ two Hosts, HTTP/1.1 without Host
///       ▼             ▼            ▼             ▼                  ▼
///   Malformed   NotThisProtocol  NotThisProtocol  NotThisProtocol   Malformed
/// </code>
/// The sniff gives up within the first bytes when they cannot start a request line (a TLS record's 0x16 is not a
/// token character), so TLS and other traffic is told apart after one or two bytes, not after 8 KiB. Once the bytes
/// are clearly HTTP, anything a lenient server might read differently from us is Malformed, not NotThisProtocol:
/// the filter may let unnamed flows through, and a request it cannot name must not be one of them.
/// </summary>
public static partial class HttpRequestHead
{
    /// <summary>How much of the stream the request line and header fields may take before we give up (Malformed).</summary>
    public const int MaxHeadBytes = 8 * 1024;

    /// <summary>Registered methods are at most 17 bytes (UPDATEREDIRECTREF); a longer "method" is not HTTP.</summary>
    private const int MaxMethodLength = 32;

    /// <summary>RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line.</summary>
    private const int MaxLeadingEmptyLines = 4;

    // RFC 9110 §5.6.2: tchar.
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>
    /// Reads the request head at the start of <paramref name="stream"/>. Ok with <paramref name="host"/> set to the
    /// authority's host without its port (an IPv6 literal keeps its brackets): from an absolute-form or
    /// authority-form target when there is one (RFC 9112 §3.2.2: it wins over Host), else from the Host field.
    /// <paramref name="host"/> is empty for an HTTP/1.0 request without either, and for an empty Host field.
    /// NeedMoreData until the head ends; NotThisProtocol when the first bytes cannot be an HTTP/1.x request line;
    /// Malformed for a broken head, a head over <see cref="MaxHeadBytes"/>, an HTTP/1.1 request without Host, or
    /// more than one Host field (RFC 9112 §3.2 requires a 400 for both).
    /// </summary>
    public static ParseStatus TryReadHost(ReadOnlySpan<byte> stream, out ReadOnlySpan<byte> host)
    {
        var head = stream.Length > MaxHeadBytes ? stream[..MaxHeadBytes] : stream;
        var status = Parse(head, out host);
        if (status != ParseStatus.Ok)
        {
            host = default;
        }

        return status == ParseStatus.NeedMoreData && stream.Length >= MaxHeadBytes ? ParseStatus.Malformed : status;
    }

    private static ParseStatus Parse(ReadOnlySpan<byte> head, out ReadOnlySpan<byte> host)
    {
        host = default;
        var at = 0;
        var status = SkipLeadingEmptyLines(head, ref at);
        if (status != ParseStatus.Ok)
        {
            return status;
        }

        if ((status = ReadMethod(head, ref at, out var method)) != ParseStatus.Ok
            || (status = ReadTarget(head, ref at, out var target)) != ParseStatus.Ok
            || (status = ReadVersion(head, ref at, out var minorVersion)) != ParseStatus.Ok)
        {
            return status;
        }

        ReadOnlySpan<byte> hostField = default;
        var hostFields = 0;
        while (true)
        {
            if (at == head.Length)
            {
                return ParseStatus.NeedMoreData;
            }

            if (head[at] is (byte)'\r' or (byte)'\n')
            {
                status = ReadLineEnd(head, ref at);   // the empty line that ends the head
                break;
            }

            if ((status = ReadField(head, ref at, out var name, out var value)) != ParseStatus.Ok)
            {
                return status;
            }

            if (Ascii.EqualsIgnoreCase(name, "host"u8))
            {
                if (++hostFields > 1)
                {
                    return ParseStatus.Malformed;   // RFC 9112 §3.2: a 400, whatever follows
                }

                hostField = value;
            }
        }

        if (status != ParseStatus.Ok)
        {
            return status;
        }

        // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
        if (hostFields == 0 && minorVersion > 0)
        {
            return ParseStatus.Malformed;
        }

        return ChooseHost(method, target, hostFields == 1, hostField, out host);
    }

    private static ParseStatus SkipLeadingEmptyLines(ReadOnlySpan<byte> head, ref int at)
    {
        for (var lines = 0; at < head.Length && head[at] is (byte)'\r' or (byte)'\n'; lines++)
        {
            var status = ReadLineEnd(head, ref at);
            if (status != ParseStatus.Ok)
            {
                return status == ParseStatus.Malformed ? ParseStatus.NotThisProtocol : status;
            }

            if (lines == MaxLeadingEmptyLines)
            {
                return ParseStatus.Malformed;
            }
        }

        return ParseStatus.Ok;
    }

    private static ParseStatus ReadMethod(ReadOnlySpan<byte> head, scoped ref int at, out ReadOnlySpan<byte> method)
    {
        var complete = NextWord(head, ref at, out method);
        var bad = method.IndexOfAnyExcept(TokenChars);
        if (bad >= 0)
        {
            // Other whitespace after a method is a request line some servers accept (RFC 9112 §3 lets them):
            // that is HTTP we cannot trust, not another protocol.
            return bad is > 0 and <= MaxMethodLength && method[bad] is (byte)'\t' or 0x0B or 0x0C
                ? ParseStatus.Malformed
                : ParseStatus.NotThisProtocol;
        }

        if (method.Length > MaxMethodLength || (complete && method.IsEmpty))
        {
            return ParseStatus.NotThisProtocol;
        }

        return complete ? ParseStatus.Ok : ParseStatus.NeedMoreData;
    }

    private static ParseStatus ReadTarget(ReadOnlySpan<byte> head, scoped ref int at, out ReadOnlySpan<byte> target)
    {
        var complete = NextWord(head, ref at, out target);
        var control = target.IndexOfAnyInRange((byte)0, (byte)0x1F);
        if (control >= 0)
        {
            // A line of two words is HTTP/0.9 ("GET /"), which names no host, or another line protocol's command
            // ("EHLO x"): not HTTP/1.x. Any other CTL in a target is broken HTTP.
            return target[control] is (byte)'\r' or (byte)'\n' ? ParseStatus.NotThisProtocol : ParseStatus.Malformed;
        }

        if (target.Contains((byte)0x7F))
        {
            return ParseStatus.Malformed;
        }

        if (complete && target.IsEmpty)
        {
            return ParseStatus.Malformed;   // two spaces in a row
        }

        return complete ? ParseStatus.Ok : ParseStatus.NeedMoreData;
    }

    /// <summary>
    /// The bytes from <paramref name="at"/> to the next SP: true, and <paramref name="at"/> moved past the SP, when
    /// there is one; false with what has arrived so far when there is none yet (the caller still judges it, so a
    /// stream that cannot be HTTP is refused without waiting for a space).
    /// </summary>
    private static bool NextWord(ReadOnlySpan<byte> head, scoped ref int at, out ReadOnlySpan<byte> word)
    {
        var rest = head[at..];
        var space = rest.IndexOf((byte)' ');
        word = space < 0 ? rest : rest[..space];
        if (space >= 0)
        {
            at += space + 1;
        }

        return space >= 0;
    }

    private static ParseStatus ReadVersion(ReadOnlySpan<byte> head, scoped ref int at, out int minorVersion)
    {
        minorVersion = 0;
        var prefix = "HTTP/1."u8;   // RFC 9112 §2.3: case-sensitive
        for (var i = 0; i < prefix.Length; i++, at++)
        {
            if (at == head.Length)
            {
                return ParseStatus.NeedMoreData;
            }

            if (head[at] != prefix[i])
            {
                // "PRI * HTTP/2.0" is the HTTP/2 prior-knowledge preface (RFC 9113 §3.3): another protocol.
                return i == 5 && head[at] == '2' ? ParseStatus.NotThisProtocol : ParseStatus.Malformed;
            }
        }

        if (at == head.Length)
        {
            return ParseStatus.NeedMoreData;
        }

        if (!char.IsAsciiDigit((char)head[at]))
        {
            return ParseStatus.Malformed;
        }

        minorVersion = head[at++] - '0';
        return ReadLineEnd(head, ref at);
    }

    /// <summary>
    /// One field line (RFC 9112 §5): a token, a colon with no whitespace before it (§5.1: 400 otherwise), and a value
    /// without CTLs but HTAB (RFC 9110 §5.5), trimmed of optional whitespace. A line that starts with whitespace is
    /// obs-fold (§5.2) or whitespace after the request line (§2.2): Malformed either way.
    /// </summary>
    private static ParseStatus ReadField(ReadOnlySpan<byte> head, scoped ref int at, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = value = default;
        var start = at;
        for (; at < head.Length && head[at] != ':'; at++)
        {
            if (!TokenChars.Contains(head[at]))
            {
                return ParseStatus.Malformed;
            }
        }

        if (at == head.Length)
        {
            return ParseStatus.NeedMoreData;
        }

        if (at == start)
        {
            return ParseStatus.Malformed;
        }

        name = head[start..at++];
        start = at;
        for (; at < head.Length && head[at] is not ((byte)'\r' or (byte)'\n'); at++)
        {
            if ((head[at] < 0x20 && head[at] != '\t') || head[at] == 0x7F)
            {
                return ParseStatus.Malformed;
            }
        }

        value = head[start..at].Trim(" \t"u8);
        return ReadLineEnd(head, ref at);
    }

    /// <summary>
    /// CRLF, or a bare LF (RFC 9112 §2.2 lets a recipient accept it, and common servers do; refusing it would make
    /// such requests unnameable). A bare CR is Malformed (§2.2: invalid, or read as SP by some servers).
    /// </summary>
    private static ParseStatus ReadLineEnd(ReadOnlySpan<byte> head, ref int at)
    {
        if (at == head.Length || (head[at] == '\r' && at + 1 == head.Length))
        {
            return ParseStatus.NeedMoreData;
        }

        if (head[at] == '\n')
        {
            at++;
            return ParseStatus.Ok;
        }

        if (head[at] == '\r' && head[at + 1] == '\n')
        {
            at += 2;
            return ParseStatus.Ok;
        }

        return ParseStatus.Malformed;
    }
}
