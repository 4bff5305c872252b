namespace Appliance.Protocols.Tests.Dns;

/// <summary>
/// Labelled wire-format vectors (RFC 1035 §4.1, RFC 3596, RFC 6891, RFC 7871, RFC 7873, RFC 8914). One field per
/// line; "@n" is the offset the field starts at, so the offsets the tests expect can be checked by eye.
/// Every vector is exactly one message with no trailing bytes, so every proper prefix of it is incomplete.
/// </summary>
internal static class DnsVectors
{
    /// <summary>A recursive query for www.example.com A IN (RFC 1035 §4.1.1, §4.1.2).</summary>
    public static readonly byte[] PlainAQuery = FromHex(
        "1234" +                                        // @0  ID
        "0100" +                                        // @2  flags: RD
        "0001 0000 0000 0000" +                         // @4  QD=1 AN=0 NS=0 AR=0
        "03 777777 07 6578616d706c65 03 636f6d 00" +    // @12 QNAME www.example.com (17 bytes)
        "0001" +                                        // @29 QTYPE A
        "0001");                                        // @31 QCLASS IN; ends @33

    /// <summary>The same question with an OPT record advertising 1232 bytes and setting DO (RFC 6891 §6.1.2, RFC 3225 §3).</summary>
    public static readonly byte[] QueryWithOptDo = FromHex(
        "beef" +                                        // @0  ID
        "0120" +                                        // @2  flags: RD AD
        "0001 0000 0000 0001" +                         // @4  QD=1 AN=0 NS=0 AR=1
        "03 777777 07 6578616d706c65 03 636f6d 00" +    // @12 QNAME www.example.com
        "0001 0001" +                                   // @29 QTYPE A, QCLASS IN
        "00" +                                          // @33 OPT owner: root
        "0029" +                                        // @34 TYPE OPT (41)
        "04d0" +                                        // @36 CLASS = UDP payload size 1232
        "00 00 8000" +                                  // @38 TTL: EXTENDED-RCODE 0, VERSION 0, DO=1, Z=0
        "0000");                                        // @42 RDLENGTH 0; ends @44

    /// <summary>An AAAA query whose OPT carries Client Subnet (RFC 7871 §6) and a client cookie (RFC 7873 §4).</summary>
    public static readonly byte[] QueryWithSubnetAndCookie = FromHex(
        "abcd" +                                        // @0  ID
        "0100" +                                        // @2  flags: RD
        "0001 0000 0000 0001" +                         // @4  QD=1 AN=0 NS=0 AR=1
        "07 6578616d706c65 03 6f7267 00" +              // @12 QNAME example.org (13 bytes)
        "001c 0001" +                                   // @25 QTYPE AAAA, QCLASS IN
        "00 0029 1000" +                                // @29 OPT owner root, TYPE OPT, UDP size 4096
        "00 00 0000" +                                  // @34 TTL: EXTENDED-RCODE 0, VERSION 0, DO=0
        "0017" +                                        // @38 RDLENGTH 23
        "0008 0007" +                                   // @40 option ECS (8), length 7
        "0001 18 00 c00002" +                           // @44 FAMILY IPv4, SOURCE /24, SCOPE /0, ADDRESS 192.0.2
        "000a 0008" +                                   // @51 option COOKIE (10), length 8
        "0102030405060708");                            // @55 client cookie; ends @63

    /// <summary>
    /// A response with all three record sections, every owner and RDATA name compressed (RFC 1035 §4.1.4):
    /// www.example.com CNAME web.example.com, web A 93.184.216.34, example.com NS ns1, ns1 A 192.0.2.1.
    /// </summary>
    public static readonly byte[] ResponseWithCompression = FromHex(
        "1234" +                                        // @0  ID
        "8180" +                                        // @2  flags: QR RD RA, NOERROR
        "0001 0002 0001 0001" +                         // @4  QD=1 AN=2 NS=1 AR=1
        "03 777777 07 6578616d706c65 03 636f6d 00" +    // @12 QNAME www.example.com; "example.com" starts @16
        "0001 0001" +                                   // @29 QTYPE A, QCLASS IN
        "c00c" +                                        // @33 answer 1 owner: pointer to @12 (www.example.com)
        "0005 0001 00000e10" +                          // @35 TYPE CNAME, CLASS IN, TTL 3600
        "0006" +                                        // @43 RDLENGTH 6
        "03 776562 c010" +                              // @45 RDATA web + pointer to @16 (example.com)
        "c02d" +                                        // @51 answer 2 owner: pointer to @45 (web.example.com)
        "0001 0001 0000012c" +                          // @53 TYPE A, CLASS IN, TTL 300
        "0004 5db8d822" +                               // @61 RDLENGTH 4, RDATA 93.184.216.34 @63
        "c010" +                                        // @67 authority owner: pointer to @16 (example.com)
        "0002 0001 00015180" +                          // @69 TYPE NS, CLASS IN, TTL 86400
        "0006" +                                        // @77 RDLENGTH 6
        "03 6e7331 c010" +                              // @79 RDATA ns1 + pointer to @16
        "c04f" +                                        // @85 additional owner: pointer to @79 (ns1.example.com)
        "0001 0001 00015180" +                          // @87 TYPE A, CLASS IN, TTL 86400
        "0004 c0000201");                               // @95 RDLENGTH 4, RDATA 192.0.2.1 @97; ends @101

    /// <summary>An AAAA answer (RFC 3596 §2.2: 16 octets of RDATA).</summary>
    public static readonly byte[] AaaaAnswer = FromHex(
        "0002" +                                        // @0  ID
        "8180" +                                        // @2  flags: QR RD RA, NOERROR
        "0001 0001 0000 0000" +                         // @4  QD=1 AN=1 NS=0 AR=0
        "07 6578616d706c65 03 636f6d 00" +              // @12 QNAME example.com (13 bytes)
        "001c 0001" +                                   // @25 QTYPE AAAA, QCLASS IN
        "c00c" +                                        // @29 answer owner: pointer to @12
        "001c 0001 00000e10" +                          // @31 TYPE AAAA, CLASS IN, TTL 3600
        "0010" +                                        // @39 RDLENGTH 16
        "20010db8000000000000000000000001");            // @41 RDATA 2001:db8::1; ends @57

    /// <summary>NXDOMAIN with the zone's SOA in the authority section (RFC 2308 §3), names compressed.</summary>
    public static readonly byte[] NxDomainWithSoa = FromHex(
        "0003" +                                        // @0  ID
        "8183" +                                        // @2  flags: QR RD RA, RCODE 3 NXDOMAIN
        "0001 0000 0001 0000" +                         // @4  QD=1 AN=0 NS=1 AR=0
        "07 6e6f7468657265 07 6578616d706c65 03 636f6d 00" + // @12 QNAME nothere.example.com (21 bytes); "example.com" @20
        "0001 0001" +                                   // @33 QTYPE A, QCLASS IN
        "c014" +                                        // @37 authority owner: pointer to @20 (example.com)
        "0006 0001 00000384" +                          // @39 TYPE SOA, CLASS IN, TTL 900
        "0027" +                                        // @47 RDLENGTH 39
        "03 6e7331 c014" +                              // @49 MNAME ns1 + pointer to @20
        "0a 686f73746d6173746572 c014" +                // @55 RNAME hostmaster + pointer to @20
        "78a3f175" +                                    // @68 SERIAL 2024010101
        "00001c20" +                                    // @72 REFRESH 7200
        "00000e10" +                                    // @76 RETRY 3600
        "00127500" +                                    // @80 EXPIRE 1209600
        "00000384");                                    // @84 MINIMUM 900; ends @88

    /// <summary>
    /// A blocked name: NXDOMAIN whose OPT carries an Extended DNS Error (RFC 8914 §2) with INFO-CODE 15 (Blocked)
    /// and EXTRA-TEXT "blocklist". This is exactly what <c>DnsMessageWriter.TryWriteOpt</c> produces.
    /// </summary>
    public static readonly byte[] ResponseWithEde = FromHex(
        "0004" +                                        // @0  ID
        "8183" +                                        // @2  flags: QR RD RA, RCODE 3 NXDOMAIN
        "0001 0000 0000 0001" +                         // @4  QD=1 AN=0 NS=0 AR=1
        "03 616473 07 6578616d706c65 03 636f6d 00" +    // @12 QNAME ads.example.com (17 bytes)
        "0001 0001" +                                   // @29 QTYPE A, QCLASS IN
        "00 0029 04d0" +                                // @33 OPT owner root, TYPE OPT, UDP size 1232
        "00 00 0000" +                                  // @38 TTL: EXTENDED-RCODE 0, VERSION 0, DO=0
        "000f" +                                        // @42 RDLENGTH 15
        "000f 000b" +                                   // @44 option EDE (15), length 11
        "000f" +                                        // @48 INFO-CODE 15 Blocked
        "626c6f636b6c697374");                          // @50 EXTRA-TEXT "blocklist"; ends @59

    /// <summary>Every valid vector by name, for theories.</summary>
    public static readonly IReadOnlyDictionary<string, byte[]> All = new Dictionary<string, byte[]>
    {
        [nameof(PlainAQuery)] = PlainAQuery,
        [nameof(QueryWithOptDo)] = QueryWithOptDo,
        [nameof(QueryWithSubnetAndCookie)] = QueryWithSubnetAndCookie,
        [nameof(ResponseWithCompression)] = ResponseWithCompression,
        [nameof(AaaaAnswer)] = AaaaAnswer,
        [nameof(NxDomainWithSoa)] = NxDomainWithSoa,
        [nameof(ResponseWithEde)] = ResponseWithEde,
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>Hex with optional spaces between byte groups.</summary>
    public static byte[] FromHex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>A presentation-form name in uncompressed wire form.</summary>
    public static byte[] Wire(string name)
    {
        var buffer = new byte[256];
        Assert.True(Appliance.Protocols.Dns.DnsName.TryEncode(name, buffer, out var written), name);
        return buffer[..written];
    }
}
