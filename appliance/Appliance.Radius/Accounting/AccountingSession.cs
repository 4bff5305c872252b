using System.Net;
using System.Text;
using Appliance.Core.Net;
using Appliance.Protocols;
using Appliance.Protocols.Radius;
using Appliance.Radius.Clients;

namespace Appliance.Radius.Accounting;

/// <summary>
/// What an accounting record says about the NAS and the device beyond the user and address: enough to address a
/// Disconnect-Request to that NAS for that session later (RFC 5176 §3: session identification attributes).
/// </summary>
/// <param name="Client">The client entry the record came in under (its secret and Disconnect port).</param>
/// <param name="Source">The address the record came from: where the NAS (or its controller) listens for Disconnects.</param>
/// <param name="NasIpAddress">NAS-IP-Address (RFC 2865 §5.4), echoed so the NAS recognises itself (RFC 5176 §3).</param>
/// <param name="NasIdentifier">NAS-Identifier (RFC 2865 §5.32), likewise.</param>
/// <param name="CallingStationId">Calling-Station-Id (RFC 2865 §5.31): the device's MAC address as the NAS writes it.</param>
/// <param name="ReportedUserName">User-Name exactly as the NAS wrote it in accounting (perhaps the outer identity): what a
/// Disconnect-Request must carry for the NAS to match the session, which may differ from the verified user.</param>
public sealed record AccountingDetails(RadiusClient Client, IPAddress? Source, IPAddress? NasIpAddress, string? NasIdentifier, string? CallingStationId,
    string? ReportedUserName = null)
{
    /// <summary>Reads the details from an Accounting-Request's attributes.</summary>
    public static AccountingDetails Read(ReadOnlySpan<byte> attributes, RadiusClient client, IPAddress? source) =>
        new(client, source,
            RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.NasIpAddress, out var ip) == ParseStatus.Ok && ip.Length == 4 ? new IPAddress(ip) : null,
            Text(attributes, RadiusAttributeType.NasIdentifier),
            Text(attributes, RadiusAttributeType.CallingStationId),
            Text(attributes, RadiusAttributeType.UserName));

    /// <summary>A text attribute's value, or null when it is absent or empty.</summary>
    internal static string? Text(ReadOnlySpan<byte> attributes, byte type) =>
        RadiusAttributeReader.TryFind(attributes, type, out var value) == ParseStatus.Ok && !value.IsEmpty ? Encoding.UTF8.GetString(value) : null;
}

/// <summary>One live accounting session as the identity map holds it.</summary>
/// <param name="Nas">The NAS as the map tells them apart (client entry, then NAS-Identifier or NAS-IP-Address).</param>
/// <param name="SessionId">Acct-Session-Id (RFC 2866 §5.5).</param>
/// <param name="User">The verified user: the one our Class names, or whom we let in from that device (docs/radius.md).</param>
/// <param name="Address">Framed-IP-Address: the device's IP; null until the NAS reports it (often the first Interim-Update, after DHCP).</param>
/// <param name="Details">Null when the record came without them (an older caller of <see cref="AccountingIdentityMap.Apply(string, AccountingStatus, string?, string?, ClientAddress?)"/>).</param>
public sealed record AccountingSession(string Nas, string SessionId, string User, ClientAddress? Address, AccountingDetails? Details);
