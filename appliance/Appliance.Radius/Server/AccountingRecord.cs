using Appliance.Protocols;
using Appliance.Protocols.Radius;
using Appliance.Radius.Accounting;
using Appliance.Radius.Clients;

namespace Appliance.Radius.Server;

/// <summary>Reads one Accounting-Request (RFC 2866 §5) into the identity map.</summary>
internal static class AccountingRecord
{
    public static void Apply(ReadOnlySpan<byte> attributes, RadiusClient client, System.Net.IPAddress? source, RadiusServices services, RadiusCounters counters)
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
        identities.Apply(Nas(attributes, client), status, session, status is AccountingStatus.Start or AccountingStatus.InterimUpdate ? User(attributes, client, services, counters) : null, address, AccountingDetails.Read(attributes, client, source));
    }

    // The user our Access-Accept named, from the Class the NAS echoes (RFC 2865 §5.25), is the authenticated inner
    // identity. Without it (a NAS that does not echo Class, or one from before a key change), the accounting User-Name
    // may be the outer identity the device chose (anonymous@school, or a lie): it is believed only as far as
    // RecentLogins can confirm it — the user we let in from that device, or a user we let in through that access point.
    // Otherwise the session's address maps to no user (placed by subnet), and the record is counted.
    private static string? User(ReadOnlySpan<byte> attributes, RadiusClient client, RadiusServices services, RadiusCounters counters)
    {
        if (RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.Class, out var token) == ParseStatus.Ok && services.Classes.TryRead(token, out var user))
        {
            return user;
        }

        var verified = services.Logins.Verify(client.Name, Text(attributes, RadiusAttributeType.CallingStationId), Text(attributes, RadiusAttributeType.UserName));
        if (verified is null)
        {
            Interlocked.Increment(ref counters.UnverifiedAccountingField);
        }

        return verified;
    }

    // Which access point: NAS-Identifier, else NAS-IP-Address (RFC 2865 §5.32, §5.4), else the client entry; several APs
    // behind one client entry (a controller's subnet) must not share sessions, or one AP's Accounting-On would end all.
    private static string Nas(ReadOnlySpan<byte> attributes, RadiusClient client) =>
        Text(attributes, RadiusAttributeType.NasIdentifier) is { } id
            ? $"{client.Name}/{id}"
            : RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.NasIpAddress, out var ip) == ParseStatus.Ok && ip.Length == 4
                ? $"{client.Name}/{new System.Net.IPAddress(ip)}"
                : client.Name;

    private static string? Text(ReadOnlySpan<byte> attributes, byte type) => AccountingDetails.Text(attributes, type);
}
