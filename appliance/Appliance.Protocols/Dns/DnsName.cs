namespace Appliance.Protocols.Dns;

/// <summary>
/// Domain names in wire form (RFC 1035 §3.1, §4.1.4): length-prefixed labels ending in a zero byte,
/// possibly ending instead in a compression pointer. Names are never turned into strings on the hot path.
/// </summary>
public static partial class DnsName
{
    /// <summary>
    /// Validates the name at <paramref name="offset"/> and reports how many bytes it occupies there
    /// (up to and including its terminating zero or its first pointer).
    /// </summary>
    public static ParseStatus TryMeasure(ReadOnlySpan<byte> message, int offset, out int consumed, out int expandedLength)
        => Walk(message, offset, default, out consumed, out expandedLength);

    /// <summary>
    /// Copies the name at <paramref name="offset"/> into <paramref name="destination"/> without
    /// compression (at most 255 bytes). Case is preserved.
    /// </summary>
    public static ParseStatus TryExpand(ReadOnlySpan<byte> message, int offset, Span<byte> destination, out int consumed, out int written)
    {
        if (destination.Length < DnsLimits.MaxNameLength)
        {
            consumed = written = 0;
            return ParseStatus.Malformed;
        }

        return Walk(message, offset, destination, out consumed, out written);
    }

    // One walk serves both measuring and expanding so that the limits are enforced in one place.
    private static ParseStatus Walk(ReadOnlySpan<byte> message, int offset, Span<byte> destination, out int consumed, out int written)
    {
        consumed = 0;
        written = 0;
        var position = offset;
        var hops = 0;
        var lowestTarget = offset;   // every pointer must go strictly below the last place we jumped from
        var firstEnd = -1;           // where the name ends at its original location
        var copy = !destination.IsEmpty;

        while (true)
        {
            if ((uint)position >= (uint)message.Length)
            {
                return ParseStatus.Malformed;
            }

            var length = message[position];
            switch (length & 0xC0)
            {
                case 0x00:
                    if (written + 1 + length > DnsLimits.MaxNameLength)
                    {
                        return ParseStatus.Malformed;   // RFC 1035 §2.3.4: 255 octets
                    }

                    if (length == 0)
                    {
                        if (copy)
                        {
                            destination[written] = 0;
                        }

                        written++;
                        consumed = (firstEnd < 0 ? position + 1 : firstEnd) - offset;
                        return ParseStatus.Ok;
                    }

                    if (position + 1 + length > message.Length)
                    {
                        return ParseStatus.Malformed;
                    }

                    if (copy)
                    {
                        message.Slice(position, 1 + length).CopyTo(destination[written..]);
                    }

                    written += 1 + length;
                    position += 1 + length;
                    break;

                case 0xC0:
                    if (position + 1 >= message.Length)
                    {
                        return ParseStatus.Malformed;
                    }

                    var target = ((length & 0x3F) << 8) | message[position + 1];

                    // RFC 1035 §4.1.4: a pointer refers to a *prior* occurrence of a name. Requiring each
                    // pointer to land before where the current chain started defeats pointer loops;
                    // the header (first 12 bytes) holds no names. The hop cap bounds the work.
                    if (target < DnsLimits.HeaderLength || target >= lowestTarget || ++hops > DnsLimits.MaxPointerHops)
                    {
                        return ParseStatus.Malformed;
                    }

                    if (firstEnd < 0)
                    {
                        firstEnd = position + 2;
                    }

                    lowestTarget = target;
                    position = target;
                    break;

                default:
                    // 0x40 and 0x80: extended label types (RFC 6891 §5 deprecates them); never valid here.
                    return ParseStatus.Malformed;
            }
        }
    }

    /// <summary>ASCII-only case folding (RFC 4343: DNS compares names case-insensitively for ASCII only).</summary>
    public static byte ToLower(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;

    /// <summary>Lower-cases an uncompressed wire name in place (length bytes are below 64 and unaffected).</summary>
    public static void ToLowerInPlace(Span<byte> wireName)
    {
        for (var i = 0; i < wireName.Length; i++)
        {
            wireName[i] = ToLower(wireName[i]);
        }
    }

    /// <summary>Compares two uncompressed wire names case-insensitively (RFC 4343).</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && ToLower(a[i]) != ToLower(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Room enough for any name's presentation form: every byte of a 255-byte name escaped as \DDD.</summary>
    public const int MaxTextLength = DnsLimits.MaxNameLength * 4;

    /// <summary>
    /// Writes the presentation form ("www.example.com.") of an uncompressed wire name as ASCII into
    /// <paramref name="destination"/> (at least <see cref="MaxTextLength"/> bytes). Bytes outside printable ASCII
    /// and the dot are escaped as \DDD (RFC 4343 §2.1). The root is ".". Allocation-free: the journal writes every
    /// query's name through it.
    /// </summary>
    public static int WriteDisplayText(ReadOnlySpan<byte> wireName, Span<byte> destination)
    {
        var at = 0;
        var i = 0;
        while (i < wireName.Length && wireName[i] != 0)
        {
            int length = wireName[i++];
            for (var j = 0; j < length && i < wireName.Length; j++, i++)
            {
                var c = wireName[i];
                if (c is (byte)'.' or (byte)'\\' || c <= 0x20 || c >= 0x7F)
                {
                    destination[at++] = (byte)'\\';
                    destination[at++] = (byte)('0' + (c / 100));
                    destination[at++] = (byte)('0' + (c / 10 % 10));
                    destination[at++] = (byte)('0' + (c % 10));
                }
                else
                {
                    destination[at++] = c;
                }
            }

            destination[at++] = (byte)'.';
        }

        if (at == 0)
        {
            destination[at++] = (byte)'.';
        }

        return at;
    }

    /// <summary>
    /// The name as people type and search it, written allocation-free: "www.example.org" without the trailing dot;
    /// the root stays "." and an empty name (no question) is "".
    /// </summary>
    public static int WriteSearchText(ReadOnlySpan<byte> wireName, Span<byte> destination)
    {
        if (wireName.IsEmpty)
        {
            return 0;
        }

        var length = WriteDisplayText(wireName, destination);
        return length > 1 ? length - 1 : length;   // every name but the root ends with its dot
    }

    /// <summary>The presentation form ("www.example.com.") of an uncompressed wire name. For logs and tools.</summary>
    public static string ToDisplayString(ReadOnlySpan<byte> wireName)
    {
        Span<byte> text = stackalloc byte[MaxTextLength];
        return System.Text.Encoding.ASCII.GetString(text[..WriteDisplayText(wireName, text)]);
    }

    /// <summary>
    /// The name as people type and search it: "www.example.org" without the trailing dot; the root stays "." and
    /// an empty name (no question) is "". For logs, the journal and reports.
    /// </summary>
    public static string ToSearchText(ReadOnlySpan<byte> wireName)
    {
        Span<byte> text = stackalloc byte[MaxTextLength];
        return System.Text.Encoding.ASCII.GetString(text[..WriteSearchText(wireName, text)]);
    }

    /// <summary>The wire form of a presentation-form name, as a new array (for tables built once).</summary>
    /// <exception cref="ArgumentException">The name cannot be encoded.</exception>
    public static byte[] Encode(string name)
    {
        Span<byte> buffer = stackalloc byte[DnsLimits.MaxNameLength];
        return TryEncode(name, buffer, out var length) ? buffer[..length].ToArray() : throw new ArgumentException($"'{name}' is not a valid DNS name", nameof(name));
    }

    /// <summary>
    /// Encodes a presentation-form name ("example.com" or "example.com.") into wire form. For configuration
    /// and tests. Returns false if a label is empty or too long, or the name is too long.
    /// </summary>
    public static bool TryEncode(ReadOnlySpan<char> name, Span<byte> destination, out int written)
    {
        written = 0;
        if (name.EndsWith("."))
        {
            name = name[..^1];
        }

        while (!name.IsEmpty)
        {
            var dot = name.IndexOf('.');
            var label = dot < 0 ? name : name[..dot];
            if (label.IsEmpty || label.Length > DnsLimits.MaxLabelLength || written + 1 + label.Length + 1 > DnsLimits.MaxNameLength
                || written + 1 + label.Length >= destination.Length)
            {
                return false;
            }

            destination[written++] = (byte)label.Length;
            foreach (var c in label)
            {
                if (c > 0x7F)
                {
                    return false;   // IDNs arrive as A-labels (xn--); raw Unicode is a caller error
                }

                destination[written++] = (byte)c;
            }

            name = dot < 0 ? default : name[(dot + 1)..];
        }

        if (written >= destination.Length)
        {
            return false;
        }

        destination[written++] = 0;
        return true;
    }
}
