using Appliance.Protocols;
using Appliance.Protocols.Radius;
using Appliance.Radius.Clients;

namespace Appliance.Radius.Server;

/// <summary>Checks a user's password (PAP, TTLS-PAP). The user store implements it; tests use a dictionary.</summary>
public interface IPasswordVerifier
{
    /// <returns>True when <paramref name="userName"/> exists, is enabled and <paramref name="password"/> is theirs.</returns>
    bool Verify(string userName, ReadOnlySpan<byte> password);
}

/// <summary>What the server has done since it started (written by its receive loops, read by health).</summary>
public sealed class RadiusCounters
{
    internal long RequestsField;
    internal long AcceptsField;
    internal long RejectsField;
    internal long AccountingField;
    internal long UnknownClientField;
    internal long MissingMessageAuthenticatorField;
    internal long BadAuthenticatorField;
    internal long MalformedField;
    internal long DuplicatesField;

    public long Requests => Interlocked.Read(ref RequestsField);
    public long Accepts => Interlocked.Read(ref AcceptsField);
    public long Rejects => Interlocked.Read(ref RejectsField);
    public long Accounting => Interlocked.Read(ref AccountingField);

    /// <summary>Dropped: from an address that is no client of ours.</summary>
    public long UnknownClient => Interlocked.Read(ref UnknownClientField);

    /// <summary>Dropped: an Access-Request or Status-Server without Message-Authenticator (BlastRADIUS, CVE-2024-3596).</summary>
    public long MissingMessageAuthenticator => Interlocked.Read(ref MissingMessageAuthenticatorField);

    /// <summary>Dropped: a Message-Authenticator or accounting authenticator that does not match (wrong secret, forgery).</summary>
    public long BadAuthenticator => Interlocked.Read(ref BadAuthenticatorField);

    public long Malformed => Interlocked.Read(ref MalformedField);

    /// <summary>Retransmissions answered from the reply cache (or dropped while the first was in progress).</summary>
    public long Duplicates => Interlocked.Read(ref DuplicatesField);
}

/// <summary>
/// One RADIUS request in, one reply out (or none: a drop). BlastRADIUS defences by default (CVE-2024-3596): an
/// Access-Request or Status-Server without a valid Message-Authenticator is dropped, and every reply carries
/// Message-Authenticator as its first attribute (the writer puts it there). Accounting requests are checked against
/// their Request Authenticator (RFC 2866 §3). PAP (RFC 2865 §5.2) goes to the <see cref="IPasswordVerifier"/>; EAP
/// comes later (issue 7).
/// </summary>
public sealed class RadiusHandler(IPasswordVerifier passwords, RadiusCounters counters, Accounting.AccountingIdentityMap? identities = null)
{
    /// <returns>The reply's length in <paramref name="reply"/>, or 0 to drop the request.</returns>
    // source: the request's source address, kept with accounting sessions as where the NAS takes Disconnect-Requests.
    public int Handle(ReadOnlySpan<byte> datagram, RadiusClient client, Span<byte> reply, System.Net.IPAddress? source = null)
    {
        if (RadiusPacketReader.TryRead(datagram, out var request) != ParseStatus.Ok)
        {
            Interlocked.Increment(ref counters.MalformedField);
            return 0;
        }

        Interlocked.Increment(ref counters.RequestsField);
        datagram = request.Packet;
        switch (request.Code)
        {
            case RadiusCode.AccessRequest or RadiusCode.StatusServer:
                switch (RadiusAuthenticators.VerifyMessageAuthenticator(datagram, request.Authenticator, client.Secret))
                {
                    case MessageAuthenticatorCheck.Valid:
                        break;
                    case MessageAuthenticatorCheck.Missing:
                        Interlocked.Increment(ref counters.MissingMessageAuthenticatorField);
                        return 0;
                    case MessageAuthenticatorCheck.Invalid:
                        Interlocked.Increment(ref counters.BadAuthenticatorField);
                        return 0;
                    default:
                        Interlocked.Increment(ref counters.MalformedField);
                        return 0;
                }

                // RFC 5997 §3: Status-Server is answered with Access-Accept (we are up); else PAP.
                var accepted = request.Code == RadiusCode.StatusServer || CheckPap(datagram, request.Authenticator, client);
                Interlocked.Increment(ref accepted ? ref counters.AcceptsField : ref counters.RejectsField);
                return Reply(reply, accepted ? RadiusCode.AccessAccept : RadiusCode.AccessReject, request.Identifier, request.Authenticator, client);

            case RadiusCode.AccountingRequest:
                if (!RadiusAuthenticators.VerifyAccountingRequest(datagram, client.Secret))
                {
                    Interlocked.Increment(ref counters.BadAuthenticatorField);
                    return 0;
                }

                Interlocked.Increment(ref counters.AccountingField);
                identities?.Apply(Nas(datagram[20..], client), ReadAccounting(datagram[20..], out var session, out var user, out var address), session, user, address,
                    Accounting.AccountingDetails.Read(datagram[20..], client, source));
                return Reply(reply, RadiusCode.AccountingResponse, request.Identifier, request.Authenticator, client);

            default:
                Interlocked.Increment(ref counters.MalformedField);   // not a code a client sends to a server
                return 0;
        }
    }

    // Which access point: NAS-Identifier, else NAS-IP-Address (RFC 2865 §5.32, §5.4), else the client entry; several APs
    // behind one client entry (a controller's subnet) must not share sessions, or one AP's Accounting-On would end all.
    private static string Nas(ReadOnlySpan<byte> attributes, RadiusClient client) =>
        RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.NasIdentifier, out var id) == ParseStatus.Ok && !id.IsEmpty
            ? $"{client.Name}/{System.Text.Encoding.UTF8.GetString(id)}"
            : RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.NasIpAddress, out var ip) == ParseStatus.Ok && ip.Length == 4
                ? $"{client.Name}/{new System.Net.IPAddress(ip)}"
                : client.Name;

    // Acct-Status-Type, Acct-Session-Id, User-Name and Framed-IP-Address (RFC 2866 §5, RFC 2865 §5.8) of one record.
    private static Accounting.AccountingStatus ReadAccounting(ReadOnlySpan<byte> attributes, out string? session, out string? user,
        out Appliance.Core.Net.ClientAddress? address)
    {
        session = RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.AcctSessionId, out var s) == ParseStatus.Ok && !s.IsEmpty
            ? System.Text.Encoding.UTF8.GetString(s) : null;
        user = RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.UserName, out var u) == ParseStatus.Ok && !u.IsEmpty
            ? System.Text.Encoding.UTF8.GetString(u) : null;
        address = RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.FramedIpAddress, out var ip) == ParseStatus.Ok && ip.Length == 4
            ? Appliance.Core.Net.ClientAddress.FromBytes(ip, 0) : null;
        return RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.AcctStatusType, out var t) == ParseStatus.Ok && t.Length == 4
            ? (Accounting.AccountingStatus)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(t)
            : 0;
    }

    private bool CheckPap(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> authenticator, RadiusClient client)
    {
        var attributes = datagram[20..];
        if (RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.UserName, out var name) != ParseStatus.Ok || name.IsEmpty
            || RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.UserPassword, out var hidden) != ParseStatus.Ok)
        {
            return false;
        }

        Span<byte> password = stackalloc byte[RadiusLimits.MaxUserPasswordLength];
        if (!RadiusUserPassword.TryDecrypt(hidden, client.Secret, authenticator, password, out var written))
        {
            return false;
        }

        try
        {
            return passwords.Verify(System.Text.Encoding.UTF8.GetString(name), password[..written]);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(password);   // no password left on the stack
        }
    }

    // Access replies carry Message-Authenticator first (BlastRADIUS). An Accounting-Response does not: RFC 2866 has none,
    // and RFC 3579 leaves its computation for accounting open — FreeRADIUS's radclient checks it over a zeroed
    // authenticator and refused ours (computed, like the Access replies', over the request's); the Response
    // Authenticator (RFC 2866 §4) is what protects it.
    private static int Reply(Span<byte> buffer, RadiusCode code, byte identifier, ReadOnlySpan<byte> requestAuthenticator, RadiusClient client)
    {
        var writer = new RadiusPacketWriter(buffer);
        return writer.TryWriteHeader(code, identifier, requestAuthenticator, withMessageAuthenticator: code != RadiusCode.AccountingResponse)
            && writer.TryFinish(client.Secret, out var length) ? length : 0;
    }
}
