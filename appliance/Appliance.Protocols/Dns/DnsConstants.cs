namespace Appliance.Protocols.Dns;

/// <summary>Resource record types we treat specially (IANA "Resource Record (RR) TYPEs").</summary>
public static class DnsType
{
    public const ushort A = 1;
    public const ushort NS = 2;
    public const ushort CName = 5;
    public const ushort Soa = 6;
    public const ushort Ptr = 12;
    public const ushort MX = 15;
    public const ushort Txt = 16;
    public const ushort Aaaa = 28;   // RFC 3596
    public const ushort Opt = 41;    // RFC 6891 pseudo-RR
    public const ushort Svcb = 64;   // RFC 9460
    public const ushort Https = 65;  // RFC 9460
    public const ushort Ixfr = 251;
    public const ushort Axfr = 252;
    public const ushort Any = 255;
}

/// <summary>DNS classes.</summary>
public static class DnsClass
{
    public const ushort IN = 1;
    public const ushort CH = 3;
    public const ushort Any = 255;
}

/// <summary>Response codes (RFC 1035 §4.1.1, RFC 6891 §9 for the extended BADVERS).</summary>
public enum DnsRcode : ushort
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
    BadVers = 16,
}

/// <summary>Opcodes (RFC 1035 §4.1.1).</summary>
public enum DnsOpcode : byte
{
    Query = 0,
    IQuery = 1,
    Status = 2,
    Notify = 4,
    Update = 5,
}

/// <summary>Extended DNS Error info-codes (RFC 8914 §4) that this resolver emits.</summary>
public enum EdeCode : ushort
{
    Other = 0,
    StaleAnswer = 3,
    NotReady = 14,
    Prohibited = 18,
    NoReachableAuthority = 22,
    NetworkError = 23,
    Blocked = 15,
    Censored = 16,
    Filtered = 17,
}

/// <summary>EDNS(0) option codes (IANA "DNS EDNS0 Option Codes").</summary>
public static class EdnsOptionCode
{
    public const ushort ClientSubnet = 8;      // RFC 7871
    public const ushort Cookie = 10;           // RFC 7873
    public const ushort Padding = 12;          // RFC 7830
    public const ushort ExtendedError = 15;    // RFC 8914
}

/// <summary>Size limits from the RFCs and from our own hardening.</summary>
public static class DnsLimits
{
    /// <summary>RFC 1035 §2.3.4: a name is at most 255 octets on the wire.</summary>
    public const int MaxNameLength = 255;

    /// <summary>RFC 1035 §2.3.4: a label is at most 63 octets.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>RFC 1035 §2.3.4 / §4.2.1: the largest message without EDNS over UDP.</summary>
    public const int ClassicUdpSize = 512;

    /// <summary>DNS Flag Day 2020: the EDNS buffer size we advertise and honour at most over UDP.</summary>
    public const int EdnsUdpSize = 1232;

    /// <summary>RFC 1035 §4.2.2: a TCP message has a 16-bit length prefix.</summary>
    public const int MaxMessageLength = 65535;

    /// <summary>Header size (RFC 1035 §4.1.1).</summary>
    public const int HeaderLength = 12;

    /// <summary>
    /// How many compression pointers one name may follow. Backward-only pointers already rule out loops;
    /// this caps the work a hostile message can make us do per name (a chain of 1-label hops).
    /// </summary>
    public const int MaxPointerHops = 32;
}
