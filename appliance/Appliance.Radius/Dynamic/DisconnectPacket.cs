using System.Net;
using Appliance.Protocols;
using Appliance.Protocols.Radius;

namespace Appliance.Radius.Dynamic;

/// <summary>Error-Cause values (RFC 5176 §3.5) a NAS may give in a Disconnect-NAK; others are kept as numbers.</summary>
public enum DisconnectErrorCause : uint
{
    ResidualSessionContextRemoved = 201,
    UnsupportedAttribute = 401,
    MissingAttribute = 402,
    NasIdentificationMismatch = 403,
    InvalidRequest = 404,
    UnsupportedService = 405,
    UnsupportedExtension = 406,
    InvalidAttributeValue = 407,
    AdministrativelyProhibited = 501,
    RequestNotRoutable = 502,

    /// <summary>The NAS has no such session: it already ended (its Accounting-Stop may have been lost).</summary>
    SessionContextNotFound = 503,
    SessionContextNotRemovable = 504,
    OtherProxyProcessingError = 505,
    ResourcesUnavailable = 506,
    RequestInitiated = 507,
    MultipleSessionSelectionUnsupported = 508,
}

/// <summary>
/// Which session to end, and where: the NAS's Dynamic Authorization address and secret (RFC 5176 §2.3), and the
/// session identification attributes (§3). Leave out what is not known; a NAS matches every one that is given.
/// </summary>
public sealed record DisconnectRequest(
    IPEndPoint Nas,
    ReadOnlyMemory<byte> Secret,
    string? AcctSessionId,
    string? UserName,
    string? CallingStationId,
    IPAddress? NasIpAddress = null,
    string? NasIdentifier = null);

/// <summary>What a reply said.</summary>
public enum DisconnectReplyKind
{
    /// <summary>Not an answer to this request (wrong code, identifier or authenticator): keep waiting, it may be forged.</summary>
    NotAnAnswer,
    Ack,
    Nak,
}

/// <summary>
/// The Disconnect-Request wire format (RFC 5176 §2.1, §3) over the shared RADIUS writer, and the check of its replies.
/// <code>
///   40 | id | length | MD5(code+id+length + 16 zeros + attributes + secret)        (RFC 5176 §2.3, as RFC 2866 §3)
///   Message-Authenticator (HMAC-MD5 over the packet with a zero authenticator; first: RFC 3579 §3.2, BlastRADIUS)
///   NAS-IP-Address / NAS-Identifier   the NAS's own, so it knows the request is for it (§3: else NAK 403)
///   Acct-Session-Id, User-Name, Calling-Station-Id                session identification (§3)
///   Event-Timestamp                                                 replay protection (§3; hostapd checks a window)
/// </code>
/// Only attributes from §3's Disconnect-Request table are written: a NAS answers NAK 401 (Unsupported-Attribute) to
/// anything else (hostapd does).
/// </summary>
public static class DisconnectPacket
{
    /// <summary>Writes the request into <paramref name="buffer"/>; returns its length, or 0 when it does not fit.</summary>
    public static int Write(DisconnectRequest request, byte identifier, DateTimeOffset now, Span<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(request);
        var writer = new RadiusPacketWriter(buffer);
        var ok = writer.TryWriteHeader(RadiusCode.DisconnectRequest, identifier, default);
        if (request.NasIpAddress is { } nasIp)
        {
            ok &= writer.TryWriteIPv4(RadiusAttributeType.NasIpAddress, nasIp);
        }

        ok &= WriteText(ref writer, RadiusAttributeType.NasIdentifier, request.NasIdentifier)
            && WriteText(ref writer, RadiusAttributeType.AcctSessionId, request.AcctSessionId)
            && WriteText(ref writer, RadiusAttributeType.UserName, request.UserName)
            && WriteText(ref writer, RadiusAttributeType.CallingStationId, request.CallingStationId)
            && writer.TryWriteUInt32(RadiusAttributeType.EventTimestamp, (uint)Math.Clamp(now.ToUnixTimeSeconds(), 0, uint.MaxValue))
            && writer.TryFinish(request.Secret.Span, out var length);
        return ok ? writer.BytesWritten : 0;
    }

    /// <summary>
    /// Reads a reply to the request in <paramref name="sent"/>: Disconnect-ACK or -NAK with our identifier, a Response
    /// Authenticator made with our secret (RFC 5176 §2.3, as RFC 2865 §3), and a Message-Authenticator that, when
    /// present, verifies (RFC 3579 §3.2; RFC 5176 does not require one in replies, and not every NAS sends it).
    /// </summary>
    public static DisconnectReplyKind ReadReply(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> sent, ReadOnlySpan<byte> secret, out uint? errorCause)
    {
        errorCause = null;
        if (RadiusPacketReader.TryRead(datagram, out var reply) != ParseStatus.Ok || sent.Length < RadiusLimits.HeaderLength
            || reply.Identifier != sent[1] || reply.Code is not (RadiusCode.DisconnectAck or RadiusCode.DisconnectNak))
        {
            return DisconnectReplyKind.NotAnAnswer;
        }

        var requestAuthenticator = sent.Slice(4, RadiusLimits.AuthenticatorLength);
        if (!RadiusAuthenticators.VerifyResponse(reply.Packet, requestAuthenticator, secret)
            || RadiusAuthenticators.VerifyMessageAuthenticator(reply.Packet, requestAuthenticator, secret) is not
                (MessageAuthenticatorCheck.Valid or MessageAuthenticatorCheck.Missing))
        {
            return DisconnectReplyKind.NotAnAnswer;
        }

        if (RadiusAttributeReader.TryFind(reply.Attributes, RadiusAttributeType.ErrorCause, out var cause) == ParseStatus.Ok && cause.Length == 4)
        {
            errorCause = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(cause);
        }

        return reply.Code == RadiusCode.DisconnectAck ? DisconnectReplyKind.Ack : DisconnectReplyKind.Nak;
    }

    private static bool WriteText(ref RadiusPacketWriter writer, byte type, string? value) =>
        string.IsNullOrEmpty(value) || writer.TryWriteString(type, value);
}
