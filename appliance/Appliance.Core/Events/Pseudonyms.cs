using System.Security.Cryptography;
using System.Text;
using Appliance.Core.Net;

namespace Appliance.Core.Events;

/// <summary>
/// Pupil identities replaced by stable pseudonyms where they leave the school (UK GDPR data minimisation: the Local
/// Authority needs patterns, not names): a device address or user name in one of <see cref="Groups"/> becomes
/// <c>anon-&lt;12 hex&gt;</c>, an HMAC-SHA-256 under a key that never leaves the box. The same pupil keeps the same
/// pseudonym, so trends and repeat patterns stay visible; only the school (which holds the key and the real
/// journal) can say who it is.
/// </summary>
public sealed class Pseudonyms
{
    private readonly byte[] _key;

    public Pseudonyms(byte[] key, IEnumerable<string> groups)
    {
        _key = key;
        Groups = new HashSet<string>(groups, StringComparer.Ordinal);
    }

    public IReadOnlySet<string> Groups { get; }

    public bool Applies(string group) => Groups.Contains(group);

    /// <summary>The device's pseudonym (the port is not part of the identity).</summary>
    public string Of(ClientAddress client) => Format(client.WithoutPort().Bytes);

    public string Of(string user) => Format(Encoding.UTF8.GetBytes(user));

    private string Format(ReadOnlySpan<byte> identity)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, identity, mac);
        return "anon-" + Convert.ToHexStringLower(mac[..6]);
    }
}
