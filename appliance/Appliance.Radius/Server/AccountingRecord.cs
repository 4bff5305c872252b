using System.Text;
using Appliance.Protocols;
using Appliance.Protocols.Radius;
using Appliance.Radius.Accounting;
using Appliance.Radius.Clients;

namespace Appliance.Radius.Server;

/// <summary>Reads one Accounting-Request (RFC 2866 §5) into the identity map.</summary>
internal static class AccountingRecord
{
    public static void Apply(ReadOnlySpan<byte> attributes, RadiusClient client, System.Net.IPAddress? source, RadiusServices services)
    {
        if (services.Identities is not { } identities)
        {
            return;
        }

        var status = RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.AcctStatusType, out var t) == ParseStatus.Ok && t.Length == 4
            ? (AccountingStatus)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(t)
            : 0;
        var session = Text(attributes, RadiusAttributeType.AcctSessionId);
        var address = RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.FramedIpAddress, out var ip) == ParseStatus.Ok && ip.Length == 4
            ? Appliance.Core.Net.ClientAddress.FromBytes(ip, 0)
            : (Appliance.Core.Net.ClientAddress?)null;
        identities.Apply(Nas(attributes, client), status, session, User(attributes, services), address, AccountingDetails.Read(attributes, client, source));
    }

    // The user our Access-Accept named, from the Class the NAS echoes (RFC 2865 §5.25), is the authenticated inner
    // identity; the accounting User-Name may be the outer one (anonymous@school) on access points that ignore the
    // Accept's User-Name. A Class that is not ours (or forged) falls back to User-Name.
    private static string? User(ReadOnlySpan<byte> attributes, RadiusServices services) =>
        RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.Class, out var token) == ParseStatus.Ok && services.Classes.TryRead(token, out var user)
            ? user
            : Text(attributes, RadiusAttributeType.UserName);

    // Which access point: NAS-Identifier, else NAS-IP-Address (RFC 2865 §5.32, §5.4), else the client entry; several APs
    // behind one client entry (a controller's subnet) must not share sessions, or one AP's Accounting-On would end all.
    private static string Nas(ReadOnlySpan<byte> attributes, RadiusClient client) =>
        Text(attributes, RadiusAttributeType.NasIdentifier) is { } id
            ? $"{client.Name}/{id}"
            : RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.NasIpAddress, out var ip) == ParseStatus.Ok && ip.Length == 4
                ? $"{client.Name}/{new System.Net.IPAddress(ip)}"
                : client.Name;

    private static string? Text(ReadOnlySpan<byte> attributes, byte type) =>
        RadiusAttributeReader.TryFind(attributes, type, out var value) == ParseStatus.Ok && !value.IsEmpty ? Encoding.UTF8.GetString(value) : null;
}
