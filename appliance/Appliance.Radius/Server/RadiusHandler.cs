using Appliance.Protocols;
using Appliance.Protocols.Radius;
using Appliance.Radius.Clients;
using Appliance.Radius.Eap;
using Appliance.Radius.Users;
using Microsoft.Extensions.Logging;

namespace Appliance.Radius.Server;

/// <summary>
/// One RADIUS request in, one reply out (or none: a drop). BlastRADIUS defences by default (CVE-2024-3596): an
/// Access-Request or Status-Server without a valid Message-Authenticator is dropped, and every reply carries
/// Message-Authenticator as its first attribute (the writer puts it there). Accounting requests are checked against
/// their Request Authenticator (RFC 2866 §3). EAP (RFC 3579) goes to the <see cref="EapServer"/>, PAP (RFC 2865 §5.2) to
/// the user store; an Access-Accept carries the user's attributes (<see cref="AccessReply"/>).
/// </summary>
public sealed partial class RadiusHandler(RadiusServices services, RadiusCounters counters)
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
                        Log.MissingMessageAuthenticator(services.Logger, client.Name);
                        return 0;
                    case MessageAuthenticatorCheck.Invalid:
                        Interlocked.Increment(ref counters.BadAuthenticatorField);
                        Log.BadMessageAuthenticator(services.Logger, client.Name);
                        return 0;
                    default:
                        Interlocked.Increment(ref counters.MalformedField);
                        return 0;
                }

                var writer = new AccessReply(reply, request.Identifier, request.Authenticator, datagram[20..], client, services, counters);
                if (request.Code == RadiusCode.StatusServer)
                {
                    return writer.Accept(null, null);   // RFC 5997 §3: Access-Accept, we are up
                }

                var attributes = datagram[20..];
                return RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.EapMessage, out _) == ParseStatus.Ok
                    ? Eap(attributes, client, writer)
                    : Pap(attributes, request.Authenticator, client, writer);

            case RadiusCode.AccountingRequest:
                if (!RadiusAuthenticators.VerifyAccountingRequest(datagram, client.Secret))
                {
                    Interlocked.Increment(ref counters.BadAuthenticatorField);
                    Log.BadAccountingAuthenticator(services.Logger, client.Name);
                    return 0;
                }

                Interlocked.Increment(ref counters.AccountingField);
                AccountingRecord.Apply(datagram[20..], client, source, services, counters);
                return AccessReply.AccountingResponse(reply, request.Identifier, request.Authenticator, datagram[20..], client);

            default:
                Interlocked.Increment(ref counters.MalformedField);   // not a code a client sends to a server
                return 0;
        }
    }

    private int Eap(ReadOnlySpan<byte> attributes, RadiusClient client, AccessReply writer)
    {
        Span<byte> packet = stackalloc byte[RadiusLimits.MaxPacketLength];
        var length = 0;
        if (services.Eap is null || EapPacketReader.TryReassemble(attributes, packet, out length) != ParseStatus.Ok || length == 0)
        {
            RejectedLog(attributes, client, "EAP", services.Eap is null ? "EAP is not enabled (no certificate)" : "malformed or empty EAP-Message");
            return writer.Reject(services.Eap is null ? null : [(byte)EapCode.Failure, length > 1 ? packet[1] : (byte)0, 0, 4]);
        }

        _ = RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.State, out var state);
        var outcome = services.Eap.Handle(packet[..length], state, client.Name, StationId(attributes));
        switch (outcome.Verdict)
        {
            case EapVerdict.Challenge:
                return writer.Challenge(outcome.EapPacket, outcome.State!);
            case EapVerdict.Accept:
                AcceptedLog(outcome.Check.User!.Name, attributes, client, outcome.Method!);
                services.Logins.Record(client.Name, StationId(attributes), outcome.Check.User.Name);
                return writer.Accept(outcome.Check.User, outcome.EapPacket, outcome.Msk);
            default:
                RejectedLog(attributes, client, outcome.Method ?? "EAP", outcome.Reason ?? outcome.Check.Outcome.ToString(), outcome.InnerIdentity);
                return writer.Reject(outcome.EapPacket);
        }
    }

    private int Pap(ReadOnlySpan<byte> attributes, ReadOnlySpan<byte> authenticator, RadiusClient client, AccessReply writer)
    {
        var name = Name(attributes);
        if (name.Length == 0 || RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.UserPassword, out var hidden) != ParseStatus.Ok)
        {
            RejectedLog(attributes, client, "PAP", "no User-Name and User-Password (CHAP is not supported)");
            return writer.Reject(null);
        }

        Span<byte> password = stackalloc byte[RadiusLimits.MaxUserPasswordLength];
        CredentialCheck check;
        try
        {
            check = RadiusUserPassword.TryDecrypt(hidden, client.Secret, authenticator, password, out var written)
                ? services.Users.CheckPassword(UserNames.ForLookup(name), password[..written])
                : new CredentialCheck(CredentialOutcome.WrongPassword, null);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(password);   // no password left on the stack
        }

        if (!check.Accepted)
        {
            RejectedLog(attributes, client, "PAP", check.Outcome.ToString());
            return writer.Reject(null);
        }

        AcceptedLog(check.User!.Name, attributes, client, "PAP");
        services.Logins.Record(client.Name, StationId(attributes), check.User.Name);
        return writer.Accept(check.User, null);
    }

    private void AcceptedLog(string user, ReadOnlySpan<byte> attributes, RadiusClient client, string method)
    {
        if (services.Logger.IsEnabled(LogLevel.Information))
        {
            var station = Printable(Station(attributes));
            Log.Accepted(services.Logger, user, client.Name, station, method);
        }
    }

    // The user as typed inside the tunnel when known, with the outer User-Name beside it (which the device chose, and
    // may be anything). Both are printable-only: a name with a newline must not forge a log line.
    private void RejectedLog(ReadOnlySpan<byte> attributes, RadiusClient client, string method, string reason, string? innerIdentity = null)
    {
        if (services.Logger.IsEnabled(LogLevel.Warning))
        {
            var outer = Printable(Name(attributes));
            var user = innerIdentity is null ? outer : $"{Printable(innerIdentity)} (outer {outer})";
            var station = Printable(Station(attributes));
            Log.Rejected(services.Logger, user, client.Name, station, method, reason);
        }
    }

    private static string Printable(string text) => UserNames.Printable(text);

    private static string Name(ReadOnlySpan<byte> attributes) => Accounting.AccountingDetails.Text(attributes, RadiusAttributeType.UserName) ?? "";

    // The device's MAC as the access point reports it (RFC 3580 §3.21), for the log.
    private static string Station(ReadOnlySpan<byte> attributes) => StationId(attributes) ?? "-";

    private static string? StationId(ReadOnlySpan<byte> attributes) => Accounting.AccountingDetails.Text(attributes, RadiusAttributeType.CallingStationId);

    private static partial class Log
    {
        [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "RADIUS accept: {User} via {Client} from {Station} ({Method})")]
        public static partial void Accepted(ILogger logger, string user, string client, string station, string method);

        [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "RADIUS reject: {User} via {Client} from {Station} ({Method}): {Reason}")]
        public static partial void Rejected(ILogger logger, string user, string client, string station, string method, string reason);

        [LoggerMessage(EventId = 312, Level = LogLevel.Warning, Message = "RADIUS request from {Client} dropped: no Message-Authenticator (BlastRADIUS defence; configure the access point to send it)")]
        public static partial void MissingMessageAuthenticator(ILogger logger, string client);

        [LoggerMessage(EventId = 313, Level = LogLevel.Warning, Message = "RADIUS request from {Client} dropped: its Message-Authenticator does not match (wrong shared secret?)")]
        public static partial void BadMessageAuthenticator(ILogger logger, string client);

        [LoggerMessage(EventId = 314, Level = LogLevel.Warning, Message = "RADIUS accounting from {Client} dropped: its authenticator does not match (wrong shared secret?)")]
        public static partial void BadAccountingAuthenticator(ILogger logger, string client);
    }
}
