using System.Net;
using System.Net.Sockets;

namespace Appliance.PacketFilter.Firewall;

/// <summary>
/// Addresses of known DNS-over-HTTPS resolvers, whose TCP 443 the ruleset resets (DESIGN §3: "reject known DoH
/// endpoints by IP set"). Read from a text file of one address or CIDR a line, '#' starting a comment, the format of
/// hagezi's doh-ips.txt (packet-path.md §3.4). The product ships a small built-in list (<c>doh-ips.txt</c>).
/// </summary>
public sealed record DohAddressList(IReadOnlyList<IPNetwork> V4, IReadOnlyList<IPNetwork> V6)
{
    public static readonly DohAddressList Empty = new([], []);

    /// <summary>Prefixes shorter than these are refused: a typo such as "0.0.0.0/0" would cut every HTTPS site off.</summary>
    public const int MinV4Prefix = 8;
    public const int MinV6Prefix = 16;

    public int Count => V4.Count + V6.Count;

    /// <summary>The built-in list (embedded doh-ips.txt).</summary>
    public static DohAddressList BuiltIn()
    {
        using var stream = typeof(DohAddressList).Assembly.GetManifestResourceStream("doh-ips.txt")
            ?? throw new InvalidOperationException("the built-in doh-ips.txt is missing from the assembly");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "built-in doh-ips.txt");
    }

    /// <exception cref="InvalidDataException">A line is not an address or CIDR; the message names the file and line.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static DohAddressList Load(string path) => Parse(File.ReadAllText(path), path);

    /// <param name="text">The file's content.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <exception cref="InvalidDataException">A line is not an address or CIDR; the message names the source and line.</exception>
    public static DohAddressList Parse(string text, string source)
    {
        var v4 = new List<IPNetwork>();
        var v6 = new List<IPNetwork>();
        var seen = new HashSet<IPNetwork>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (!TryParseEntry(line, out var network, out var problem))
            {
                throw new InvalidDataException($"{source} line {number}: '{line}' {problem}");
            }

            if (seen.Add(network))
            {
                (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? v4 : v6).Add(network);
            }
        }

        return new DohAddressList(v4, v6);
    }

    private static bool TryParseEntry(string text, out IPNetwork network, out string problem)
    {
        network = default;
        problem = "";
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash >= 0 ? text[..slash] : text;
        // IPAddress.TryParse takes "1" as 0.0.0.1 and "1.2" as 1.0.0.2 (inet_aton's forms): only dotted quads and
        // colon forms are addresses here, and no scope ids (fe80::1%eth0) or IPv4-mapped IPv6.
        var dottedQuad = addressText.Count(c => c == '.') == 3 && addressText.All(c => char.IsAsciiDigit(c) || c == '.');
        if (!(dottedQuad || addressText.Contains(':', StringComparison.Ordinal)) || addressText.Contains('%', StringComparison.Ordinal)
            || !IPAddress.TryParse(addressText, out var address) || address.IsIPv4MappedToIPv6)
        {
            problem = "is not an IP address or CIDR (e.g. 192.0.2.1, 198.51.100.0/24 or 2001:db8::/32)";
            return false;
        }

        var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = maxPrefix;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, null, out prefix) || prefix > maxPrefix))
        {
            problem = $"has a prefix length that is not a number from 0 to {maxPrefix}";
            return false;
        }

        var minPrefix = maxPrefix == 32 ? MinV4Prefix : MinV6Prefix;
        if (prefix < minPrefix)
        {
            problem = $"is wider than /{minPrefix}: it would reset HTTPS to far more than DoH resolvers";
            return false;
        }

        network = new IPNetwork(Masked(address, prefix), prefix);
        if (!network.BaseAddress.Equals(address))
        {
            // .NET's IPNetwork.TryParse would quietly clear the bits; a list with "10.1.2.3/8" is more likely a typo.
            problem = $"has bits set after the /{prefix} prefix (did you mean {network}?)";
            return false;
        }

        return true;
    }

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}
