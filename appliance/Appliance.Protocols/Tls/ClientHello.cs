namespace Appliance.Protocols.Tls;

/// <summary>
/// What the packet filter needs from a ClientHello (RFC 8446 §4.1.2). A view over the bytes it was read from: the
/// spans point into the caller's stream or scratch buffer and are valid as long as those are, which is why this is
/// a <c>ref struct</c> and nothing is copied or allocated.
/// </summary>
public readonly ref struct ClientHello
{
    internal ClientHello(
        ushort legacyVersion,
        ReadOnlySpan<byte> serverName,
        bool hasServerName,
        ReadOnlySpan<byte> alpn,
        bool offersTls13,
        bool hasEncryptedClientHello)
    {
        LegacyVersion = legacyVersion;
        ServerName = serverName;
        HasServerName = hasServerName;
        Alpn = alpn;
        OffersTls13 = offersTls13;
        HasEncryptedClientHello = hasEncryptedClientHello;
    }

    /// <summary><c>legacy_version</c>: 0x0303 from every TLS 1.2 and 1.3 client (RFC 8446 §4.1.2).</summary>
    public ushort LegacyVersion { get; }

    /// <summary>
    /// The first <c>host_name</c> of the server_name extension exactly as sent (RFC 6066 §3): not lower-cased and
    /// not validated beyond its length, so it may hold any byte. Turn it into a lookup key with
    /// <see cref="Dns.DnsName.TryEncodeHostName"/>, which rejects what is not a host name. Empty when
    /// <see cref="HasServerName"/> is false.
    /// </summary>
    public ReadOnlySpan<byte> ServerName { get; }

    /// <summary>Whether a server_name extension carried a host_name entry.</summary>
    public bool HasServerName { get; }

    /// <summary>
    /// Whether the encrypted_client_hello extension (0xfe0d, RFC 9849 §5) is present. A hint only: browsers send
    /// GREASE ECH (RFC 9849 §6.2) to servers without ECH, so the outer <see cref="ServerName"/> stays what to judge.
    /// </summary>
    public bool HasEncryptedClientHello { get; }

    /// <summary>Whether supported_versions lists TLS 1.3 (0x0304, RFC 8446 §4.2.1).</summary>
    public bool OffersTls13 { get; }

    /// <summary>
    /// The ALPN <c>ProtocolNameList</c> without its two-byte length (RFC 7301 §3.1): one-byte-length-prefixed
    /// protocol names, already validated. Empty when the extension is absent.
    /// </summary>
    public ReadOnlySpan<byte> Alpn { get; }

    /// <summary>Whether <paramref name="protocol"/> (e.g. "h2"u8) is one of the offered ALPN protocols.</summary>
    public bool OffersAlpn(ReadOnlySpan<byte> protocol)
    {
        var list = Alpn;
        while (!list.IsEmpty)
        {
            var name = list.Slice(1, list[0]);
            if (name.SequenceEqual(protocol))
            {
                return true;
            }

            list = list[(1 + name.Length)..];
        }

        return false;
    }
}
