using System.Net;
using System.Net.Sockets;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Resolution;

/// <summary>One of the box's own names with its addresses, in the forms the answer writer copies.</summary>
public sealed class LocalName
{
    internal LocalName(byte[] wireName, byte[][] v4, byte[][] v6)
    {
        WireName = wireName;
        V4 = v4;
        V6 = v6;
    }

    /// <summary>The lower-cased uncompressed wire name.</summary>
    public byte[] WireName { get; }

    /// <summary>The IPv4 addresses, 4 bytes each (A RDATA).</summary>
    public IReadOnlyList<byte[]> V4 { get; }

    /// <summary>The IPv6 addresses, 16 bytes each (AAAA RDATA).</summary>
    public IReadOnlyList<byte[]> V6 { get; }

    /// <summary>The RDATA of each address record of <paramref name="type"/> (A or AAAA; none for other types).</summary>
    public IReadOnlyList<byte[]> AddressesOf(ushort type) => type switch
    {
        DnsType.A => V4,
        DnsType.Aaaa => V6,
        _ => [],
    };
}

/// <summary>
/// The names the resolver answers itself (<see cref="DnsServerOptions.LocalNames"/>: the lesson mirror's name), built
/// once from the options. A lookup compares the query's lower-cased wire name with a handful of entries and
/// allocates nothing; only the exact name is local (a subdomain of it is forwarded like any other name).
/// </summary>
public sealed class LocalNameTable
{
    private readonly LocalName[] _names;

    private LocalNameTable(LocalName[] names) => _names = names;

    public static LocalNameTable Empty { get; } = new([]);

    public int Count => _names.Length;

    /// <summary>Builds the table from name → addresses.</summary>
    /// <exception cref="FormatException">A name is not a host name, or has no addresses; the message names it.</exception>
    public static LocalNameTable Build(IReadOnlyDictionary<string, IReadOnlyList<IPAddress>> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var built = new List<LocalName>();
        Span<byte> wire = stackalloc byte[DnsLimits.MaxNameLength];
        foreach (var (name, addresses) in names)
        {
            var text = (name ?? "").Trim().TrimEnd('.');
            if (text.Length == 0 || !DnsName.TryEncode(text, wire, out var length))
            {
                throw new FormatException($"local name '{name}': not a host name");
            }

            if (addresses is null || addresses.Count == 0 || addresses.Any(a => a is null))
            {
                throw new FormatException($"local name '{name}': needs at least one IPv4 or IPv6 address");
            }

            var lower = wire[..length].ToArray();
            DnsName.ToLowerInPlace(lower);
            if (built.Any(b => b.WireName.AsSpan().SequenceEqual(lower)))
            {
                throw new FormatException($"local name '{name}': given twice");
            }

            // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is an IPv4 address written the other way: an A record.
            var v4 = addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork || a.IsIPv4MappedToIPv6)
                .Select(a => a.MapToIPv4().GetAddressBytes()).ToArray();
            var v6 = addresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6 && !a.IsIPv4MappedToIPv6)
                .Select(a => a.GetAddressBytes()).ToArray();
            built.Add(new LocalName(lower, v4, v6));
        }

        return new LocalNameTable([.. built]);
    }

    /// <summary>The entry for a lower-cased wire name, or null. Allocation-free.</summary>
    public LocalName? Find(ReadOnlySpan<byte> lowerName)
    {
        foreach (var entry in _names)
        {
            if (lowerName.SequenceEqual(entry.WireName))
            {
                return entry;
            }
        }

        return null;
    }
}
