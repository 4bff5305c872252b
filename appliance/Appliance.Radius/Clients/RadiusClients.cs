using System.Net;
using System.Text;

namespace Appliance.Radius.Clients;

/// <summary>
/// An access point or controller allowed to ask us (RFC 2865 §3: a shared secret per client), and the port where it
/// takes Disconnect-Requests (RFC 5176 §2.3; 3799 unless configured).
/// </summary>
public sealed record RadiusClient(string Name, IPNetwork Network, byte[] Secret, int DisconnectPort = RadiusClient.DefaultDisconnectPort)
{
    /// <summary>RFC 5176 §2.3: the Dynamic Authorization port, UDP 3799.</summary>
    public const int DefaultDisconnectPort = 3799;
}

/// <summary>A client as configured: a name, an address or subnet, the secret, and (if not 3799) its Disconnect-Request port.</summary>
public sealed record RadiusClientDefinition(string Name, string Address, string Secret, int? DisconnectPort = null);

/// <summary>
/// The clients we answer, found by the request's source address; the most specific network wins, so one AP can have
/// its own secret inside a subnet of controllers. A request from anywhere else is dropped unanswered (RFC 2865 §3).
/// </summary>
public sealed class RadiusClients
{
    /// <summary>
    /// RFC 2865 §3 asks for at least 16 octets; BlastRADIUS (CVE-2024-3596) made short secrets an offline-cracking
    /// target, so shorter ones are refused outright.
    /// </summary>
    public const int MinSecretLength = 16;

    private readonly RadiusClient[] _bySpecificity;

    private RadiusClients(RadiusClient[] clients) => _bySpecificity = clients;

    public IReadOnlyList<RadiusClient> All => _bySpecificity;

    /// <summary>Builds the table; every problem is named (the client and what is wrong).</summary>
    /// <exception cref="ArgumentException">One or more definitions are wrong; the message lists them all.</exception>
    public static RadiusClients Build(IEnumerable<RadiusClientDefinition> definitions)
    {
        var problems = new List<string>();
        var clients = new List<RadiusClient>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var d in definitions)
        {
            var at = $"client '{d.Name}'";
            if (string.IsNullOrWhiteSpace(d.Name) || !names.Add(d.Name))
            {
                problems.Add(string.IsNullOrWhiteSpace(d.Name) ? "a client has no name" : $"{at}: the name is used twice");
                continue;
            }

            if (!TryParseNetwork(d.Address, out var network))
            {
                problems.Add($"{at}: '{d.Address}' is not an address or subnet (e.g. 192.0.2.10 or 192.0.2.0/24)");
                continue;
            }

            var secret = Encoding.UTF8.GetBytes(d.Secret ?? "");
            if (secret.Length < MinSecretLength)
            {
                problems.Add($"{at}: the secret is {secret.Length} bytes; at least {MinSecretLength} are needed (RFC 2865 §3; BlastRADIUS)");
                continue;
            }

            if (clients.Any(c => c.Network == network))
            {
                problems.Add($"{at}: {network} is already another client's");
                continue;
            }

            if (d.DisconnectPort is < 1 or > 65535)
            {
                problems.Add($"{at}: the Disconnect-Request port {d.DisconnectPort} is not 1 to 65535");
                continue;
            }

            clients.Add(new RadiusClient(d.Name, network, secret, d.DisconnectPort ?? RadiusClient.DefaultDisconnectPort));
        }

        return problems.Count > 0
            ? throw new ArgumentException(string.Join("; ", problems))
            : new RadiusClients([.. clients.OrderByDescending(c => c.Network.PrefixLength)]);
    }

    /// <summary>The client a request from <paramref name="source"/> belongs to, or null: drop it.</summary>
    public RadiusClient? Find(IPAddress source)
    {
        if (source.IsIPv4MappedToIPv6)
        {
            source = source.MapToIPv4();   // a dual-stack socket reports IPv4 clients this way
        }

        foreach (var client in _bySpecificity)
        {
            if (client.Network.Contains(source))
            {
                return client;
            }
        }

        return null;
    }

    private static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (IPAddress.TryParse(text, out var single))
        {
            network = new IPNetwork(single, single.GetAddressBytes().Length * 8);
            return true;
        }

        // A subnet written with host bits set (192.0.2.5/24) is most likely a typo for an address: refused, not masked.
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return IPNetwork.TryParse(text, out network) && slash > 0
            && IPAddress.TryParse(text.AsSpan(0, slash), out var written) && written.Equals(network.BaseAddress);
    }
}
