namespace Appliance.Protocols.Tests.Radius;

/// <summary>
/// Labelled RADIUS and EAP vectors. "@n" is the offset a field starts at. The RFC vectors are copied from the RFC
/// text and checked by the tests against values computed here, so a typo in them fails a test.
/// </summary>
internal static class RadiusVectors
{
    /// <summary>RFC 2865 §7.1 and RFC 5997 §6 use this shared secret.</summary>
    public static readonly byte[] Rfc2865Secret = "xyzzy5461"u8.ToArray();

    /// <summary>RFC 2865 §7.1: nemo on port 3 of NAS 192.168.1.16, password "arctangent".</summary>
    public static readonly byte[] Rfc2865AccessRequest = FromHex(
        "01 00 0038" +                                         // @0  Access-Request, ID 0, Length 56
        "0f403f9473978057bd83d5cb98f4227a" +                   // @4  Request Authenticator
        "01 06 6e656d6f" +                                     // @20 User-Name "nemo"
        "02 12 0dbe708d93d413ce3196e43f782a0aee" +             // @26 User-Password (hidden, 16 octets @28)
        "04 06 c0a80110" +                                     // @44 NAS-IP-Address 192.168.1.16
        "05 06 00000003");                                     // @50 NAS-Port 3; ends @56

    /// <summary>RFC 2865 §7.1: the Access-Accept telling the NAS to telnet nemo to 192.168.1.3.</summary>
    public static readonly byte[] Rfc2865AccessAccept = FromHex(
        "02 00 0026" +                                         // @0  Access-Accept, ID 0, Length 38
        "86fe220e7624ba2a1005f6bf9b55e0b2" +                   // @4  Response Authenticator
        "06 06 00000001" +                                     // @20 Service-Type Login
        "0f 06 00000000" +                                     // @26 Login-Service Telnet
        "0e 06 c0a80103");                                     // @32 Login-IP-Host 192.168.1.3; ends @38

    /// <summary>RFC 5997 §6: Status-Server with a Message-Authenticator (secret xyzzy5461).</summary>
    public static readonly byte[] Rfc5997StatusServer = FromHex(
        "0c da 0026" +                                         // @0  Status-Server, ID 0xda, Length 38
        "8a54f4686fb394c52866e302185d0623" +                   // @4  Request Authenticator
        "50 12 5a665e2e1e8411f3e243822097c84fa3");             // @20 Message-Authenticator; ends @38

    /// <summary>RFC 5997 §6: the Access-Accept answering it.</summary>
    public static readonly byte[] Rfc5997AccessAccept = FromHex(
        "02 da 0014" +                                         // @0  Access-Accept, ID 0xda, Length 20
        "ef0d552a4bf2d693ec2b6fe8b5411d66");                   // @4  Response Authenticator; ends @20

    /// <summary>
    /// An Access-Request carrying EAP-Response/Identity "bob" split over two EAP-Message attributes, a Microsoft
    /// VSA and a State (hand-built; Message-Authenticator zero, so only the parsers use it).
    /// </summary>
    public static readonly byte[] EapAccessRequest = FromHex(
        "01 07 003f" +                                         // @0  Access-Request, ID 7, Length 63
        "00112233445566778899aabbccddeeff" +                   // @4  Request Authenticator
        "50 12 00000000000000000000000000000000" +             // @20 Message-Authenticator (zero)
        "4f 06 02 01 0008" +                                   // @38 EAP-Message: Response, ID 1, Length 8
        "4f 06 01 626f62" +                                    // @44 EAP-Message: Type Identity, "bob"
        "1a 09 00000137 0b 03 aa" +                            // @50 VSA Microsoft(311), type 11, value aa
        "18 04 5354");                                         // @59 State "ST"; ends @63

    /// <summary>The EAP packet the two EAP-Message attributes above make.</summary>
    public static readonly byte[] EapIdentityBob = FromHex("02 01 0008 01 626f62");

    /// <summary>OpenBSD libradius regress test25 (MS-MPPE-Send/Recv-Key): secret, Request Authenticator, value, key.</summary>
    public static readonly byte[] MppeSecret = "hogehogefugafuga"u8.ToArray();

    public static readonly byte[] MppeRequestAuthenticator = FromHex("678ae6ed696e1bd10ae2fea105d46a56");

    public static readonly byte[] MppeEncrypted = FromHex(
        "8036" +                                               // salt, high bit set
        "f4abbe2117fb3e4a7874dce91c5b0449" +                   // c(1)
        "8ec7720f168688562dbc88e21cab6271");                   // c(2)

    public static readonly byte[] MppeKey = FromHex("fc6ea418373d8e90c136fae3735e37d1");

    public static IReadOnlyDictionary<string, byte[]> Packets { get; } = new Dictionary<string, byte[]>
    {
        [nameof(Rfc2865AccessRequest)] = Rfc2865AccessRequest,
        [nameof(Rfc2865AccessAccept)] = Rfc2865AccessAccept,
        [nameof(Rfc5997StatusServer)] = Rfc5997StatusServer,
        [nameof(Rfc5997AccessAccept)] = Rfc5997AccessAccept,
        [nameof(EapAccessRequest)] = EapAccessRequest,
    };

    public static TheoryData<string> PacketNames => [.. Packets.Keys];

    public static byte[] FromHex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}
