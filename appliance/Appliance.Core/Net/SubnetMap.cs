using System.Net;
using System.Net.Sockets;

namespace Appliance.Core.Net;

/// <summary>
/// Longest-prefix match of a client address against a few dozen CIDR blocks (a school's VLANs and subnets), to a
/// value index. Immutable and allocation-free to query. A linear scan over entries sorted longest prefix first:
/// for the handful of subnets a school has this beats a trie, and it keeps the code obvious.
/// IPv4-mapped IPv6 clients (::ffff:a.b.c.d, from dual-stack sockets) match IPv4 blocks.
/// </summary>
public sealed class SubnetMap
{
    private readonly Entry[] _entries;

    private SubnetMap(Entry[] entries) => _entries = entries;

    public static SubnetMap Empty { get; } = new([]);

    public int Count => _entries.Length;

    /// <summary>Builds a map from (CIDR text, value) pairs.</summary>
    /// <exception cref="FormatException">A block is not ADDRESS/PREFIX, or the prefix is out of range; the message names it.</exception>
    public static SubnetMap Build(IEnumerable<(string Cidr, int Value)> blocks)
    {
        var entries = new List<Entry>();
        foreach (var (cidr, value) in blocks)
        {
            if (!TryParse(cidr, out var network, out var error))
            {
                throw new FormatException($"subnet '{cidr}': {error}");
            }

            var bytes = network.BaseAddress.GetAddressBytes();
            entries.Add(new Entry(network.BaseAddress.AddressFamily, Pack(bytes, 0), Pack(bytes, 8), network.PrefixLength, value));
        }

        // Longest prefix first, so the first match is the most specific one.
        return new SubnetMap([.. entries.OrderByDescending(e => e.PrefixLength)]);
    }

    /// <summary>Parses "10.20.0.0/16", "2001:db8:5::/48" or a bare address (a /32 or /128).</summary>
    public static bool TryParse(string text, out IPNetwork network, out string error)
    {
        network = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        // IPAddress.TryParse takes inet_aton's short forms ("10.0.0" is 10.0.0.0): a typo here would map the wrong
        // devices to a group, so an IPv4 block must have all four parts.
        var shortV4 = !addressText.Contains(':', StringComparison.Ordinal) && addressText.Count(c => c == '.') != 3;
        if (shortV4 || !IPAddress.TryParse(addressText, out var address) || addressText.Contains('%', StringComparison.Ordinal))
        {
            error = "not an IP address";
            return false;
        }

        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out prefix) || prefix > max))
        {
            error = $"the prefix length must be 0 to {max}";
            return false;
        }

        // Host bits set ("10.1.2.3/16") is a common slip: accept it as the network it belongs to.
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < max; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        network = new IPNetwork(new IPAddress(bytes), prefix);
        error = "";
        return true;
    }

    /// <summary>The value of the most specific block holding <paramref name="client"/>, or -1.</summary>
    public int Match(in ClientAddress client)
    {
        if (!TryPack(client, out var family, out var high, out var low))
        {
            return -1;
        }

        foreach (ref readonly var e in _entries.AsSpan())
        {
            if (e.Family == family && e.Contains(high, low))
            {
                return e.Value;
            }
        }

        return -1;
    }

    /// <summary>
    /// One bit, <c>1 &lt;&lt; value</c>, for every block holding <paramref name="client"/> (not just the most specific):
    /// for maps whose values are slots 0–63, such as the rooms of the lesson windows, where blocks may overlap and
    /// each one counts. Values outside 0–63 are ignored. Allocation-free.
    /// </summary>
    public ulong MatchAll(in ClientAddress client)
    {
        if (!TryPack(client, out var family, out var high, out var low))
        {
            return 0;
        }

        ulong bits = 0;
        foreach (ref readonly var e in _entries.AsSpan())
        {
            if (e.Family == family && (uint)e.Value < 64 && e.Contains(high, low))
            {
                bits |= 1UL << e.Value;
            }
        }

        return bits;
    }

    private static bool TryPack(in ClientAddress client, out AddressFamily family, out ulong high, out ulong low)
    {
        var bytes = client.Bytes;
        family = client.Family;
        if (family == AddressFamily.InterNetworkV6 && IsV4Mapped(bytes))
        {
            bytes = bytes[12..];
            family = AddressFamily.InterNetwork;
        }

        high = bytes.IsEmpty ? 0 : Pack(bytes, 0);
        low = bytes.Length > 8 ? Pack(bytes, 8) : 0;
        return !bytes.IsEmpty;
    }

    private static bool IsV4Mapped(ReadOnlySpan<byte> b)
        => b.Length == 16 && b[..10].IndexOfAnyExcept((byte)0) < 0 && b[10] == 0xFF && b[11] == 0xFF;

    // Big-endian bytes [offset, offset+8) as one number, zero-padded (an IPv4 address fills the top 32 bits).
    private static ulong Pack(ReadOnlySpan<byte> bytes, int offset)
    {
        ulong value = 0;
        for (var i = 0; i < 8; i++)
        {
            value = (value << 8) | (offset + i < bytes.Length ? bytes[offset + i] : (byte)0);
        }

        return value;
    }

    private readonly record struct Entry(AddressFamily Family, ulong High, ulong Low, int PrefixLength, int Value)
    {
        public bool Contains(ulong high, ulong low)
        {
            var highBits = Math.Min(PrefixLength, 64);
            var lowBits = PrefixLength - highBits;
            return Masked(high, highBits) == High && Masked(low, lowBits) == Low;
        }

        private static ulong Masked(ulong value, int bits) => bits == 0 ? 0 : value & (ulong.MaxValue << (64 - bits));
    }
}
