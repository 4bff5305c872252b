namespace Appliance.Protocols.Radius;

/// <summary>RADIUS packet codes (RFC 2865 §3, RFC 2866 §3, RFC 5176 §2, RFC 5997 §2).</summary>
public enum RadiusCode : byte
{
    AccessRequest = 1,
    AccessAccept = 2,
    AccessReject = 3,
    AccountingRequest = 4,
    AccountingResponse = 5,
    AccessChallenge = 11,

    /// <summary>RFC 5997 §2: a health probe; answered like an Access-Request (Access-Accept) on the auth port.</summary>
    StatusServer = 12,

    DisconnectRequest = 40,
    DisconnectAck = 41,
    DisconnectNak = 42,
    CoaRequest = 43,
    CoaAck = 44,
    CoaNak = 45,
}

/// <summary>Attribute types this codec and the server use (RFC 2865 §5, RFC 2866 §5, RFC 2868 §3, RFC 3579 §3).</summary>
public static class RadiusAttributeType
{
    public const byte UserName = 1;
    public const byte UserPassword = 2;
    public const byte NasIpAddress = 4;
    public const byte NasPort = 5;
    public const byte ServiceType = 6;
    public const byte FramedIpAddress = 8;
    public const byte ReplyMessage = 18;
    public const byte State = 24;
    public const byte Class = 25;
    public const byte VendorSpecific = 26;
    public const byte SessionTimeout = 27;
    public const byte TerminationAction = 29;
    public const byte CalledStationId = 30;
    public const byte CallingStationId = 31;
    public const byte NasIdentifier = 32;
    public const byte ProxyState = 33;
    public const byte AcctStatusType = 40;
    public const byte AcctSessionId = 44;
    public const byte EventTimestamp = 55;   // RFC 2869 §5.3; RFC 5176 §3 uses it against replayed Disconnect/CoA requests
    public const byte NasPortType = 61;
    public const byte TunnelType = 64;
    public const byte TunnelMediumType = 65;
    public const byte EapMessage = 79;
    public const byte MessageAuthenticator = 80;
    public const byte TunnelPrivateGroupId = 81;
    public const byte AcctInterimInterval = 85;
    public const byte ErrorCause = 101;   // RFC 5176 §3.5: why a Disconnect/CoA request was refused
}

/// <summary>SMI network management private enterprise codes used in Vendor-Specific attributes.</summary>
public static class RadiusVendor
{
    public const uint Microsoft = 311;
}

/// <summary>Microsoft vendor attribute types (RFC 2548 §2).</summary>
public static class MicrosoftAttributeType
{
    public const byte MppeSendKey = 16;   // RFC 2548 §2.4.2
    public const byte MppeRecvKey = 17;   // RFC 2548 §2.4.3
}

/// <summary>Sizes and limits from the RFCs.</summary>
public static class RadiusLimits
{
    /// <summary>Code(1), Identifier(1), Length(2), Authenticator(16) (RFC 2865 §3).</summary>
    public const int HeaderLength = 20;

    /// <summary>RFC 2865 §3: "The minimum length is 20 and maximum length is 4096."</summary>
    public const int MaxPacketLength = 4096;

    public const int AuthenticatorLength = 16;

    /// <summary>An attribute's Length octet covers Type and Length too, so a value is at most 253 octets.</summary>
    public const int MaxAttributeValueLength = 253;

    /// <summary>Vendor-Id(4), Vendor type(1), Vendor length(1) in front of a sub-attribute value (RFC 2865 §5.26).</summary>
    public const int VendorSubAttributeOverhead = 6;

    /// <summary>RFC 3579 §3.2: Message-Authenticator is an HMAC-MD5, 16 octets (attribute length 18).</summary>
    public const int MessageAuthenticatorLength = 16;

    /// <summary>RFC 2865 §5.2: the hidden User-Password is 16 to 128 octets, a multiple of 16.</summary>
    public const int MaxUserPasswordLength = 128;
}

/// <summary>How a packet's Authenticator field is formed, which decides how it and Message-Authenticator are checked.</summary>
internal enum AuthenticatorKind
{
    /// <summary>Access-Request, Status-Server: 16 random octets from the client (RFC 2865 §3, RFC 5997 §3).</summary>
    Random,

    /// <summary>Accounting-, Disconnect-, CoA-Request: MD5 over the packet with a zero authenticator + secret (RFC 2866 §3, RFC 5176 §2.3).</summary>
    RequestHash,

    /// <summary>Every reply: MD5(Code+ID+Length+Request Authenticator+Attributes+Secret) (RFC 2865 §3).</summary>
    Response,
}

internal static class RadiusCodeExtensions
{
    public static AuthenticatorKind AuthenticatorKind(this RadiusCode code) => code switch
    {
        RadiusCode.AccessRequest or RadiusCode.StatusServer => Radius.AuthenticatorKind.Random,
        RadiusCode.AccountingRequest or RadiusCode.DisconnectRequest or RadiusCode.CoaRequest => Radius.AuthenticatorKind.RequestHash,
        _ => Radius.AuthenticatorKind.Response,
    };
}
