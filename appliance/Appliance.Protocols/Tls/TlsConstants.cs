namespace Appliance.Protocols.Tls;

/// <summary>TLS record content types (RFC 8446 §5.1, IANA "TLS ContentType").</summary>
public static class TlsContentType
{
    public const byte ChangeCipherSpec = 20;
    public const byte Alert = 21;
    public const byte Handshake = 22;
    public const byte ApplicationData = 23;
}

/// <summary>Handshake message types we look at (RFC 8446 §4).</summary>
public static class TlsHandshakeType
{
    public const byte ClientHello = 1;
}

/// <summary>Extension types the readers interpret (IANA "TLS ExtensionType Values").</summary>
public static class TlsExtensionType
{
    public const ushort ServerName = 0;                  // RFC 6066 §3
    public const ushort ApplicationLayerProtocol = 16;   // RFC 7301 §3.1 (ALPN)
    public const ushort PreSharedKey = 41;               // RFC 8446 §4.2.11
    public const ushort SupportedVersions = 43;          // RFC 8446 §4.2.1
    public const ushort EncryptedClientHello = 0xfe0d;   // RFC 9849 §5
}

/// <summary>Protocol versions as they appear on the wire (RFC 8446 §4.2.1).</summary>
public static class TlsVersion
{
    public const ushort Tls13 = 0x0304;
}

/// <summary>Limits from the RFCs and from our own hardening.</summary>
public static class TlsLimits
{
    /// <summary>RFC 8446 §5.1: a plaintext record fragment is at most 2^14 bytes.</summary>
    public const int MaxRecordFragment = 1 << 14;

    /// <summary>Record header: type(1), legacy_record_version(2), length(2) (RFC 8446 §5.1).</summary>
    public const int RecordHeaderLength = 5;

    /// <summary>Handshake header: msg_type(1), length(3) (RFC 8446 §4).</summary>
    public const int HandshakeHeaderLength = 4;

    /// <summary>RFC 8446 §4.1.2: legacy_session_id is at most 32 bytes.</summary>
    public const int MaxSessionIdLength = 32;

    /// <summary>
    /// How many extensions one ClientHello may carry. Browsers send about 20; the cap bounds the duplicate check
    /// (a stack array of this size is sorted) against a hello stuffed with thousands of empty extensions.
    /// </summary>
    public const int MaxExtensions = 128;
}
