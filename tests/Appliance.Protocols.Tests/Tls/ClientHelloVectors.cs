using Appliance.Protocols.Tests.Dns;

namespace Appliance.Protocols.Tests.Tls;

/// <summary>
/// Labelled ClientHello vectors (RFC 8446 §4.1.2, §5.1; RFC 6066 §3; RFC 7301; RFC 8701; RFC 9849), each one TLS
/// record holding one whole ClientHello and nothing else, so every proper prefix is incomplete. "@n" is the offset
/// a field starts at in the record stream; <see cref="MessageOffset"/> is where the handshake message starts.
/// </summary>
internal static class ClientHelloVectors
{
    public const int MessageOffset = 5;

    /// <summary>
    /// What <c>openssl s_client -connect 127.0.0.1:PORT -servername www.example.test -alpn h2,http/1.1</c>
    /// (OpenSSL 3.0.19) sent to a listener that printed the first bytes it received.
    /// </summary>
    public static readonly byte[] OpenSsl = DnsVectors.FromHex(
        "16 0301 014f" +                                        // @0   record: handshake, TLS 1.0 record version, length 335
        "01 00014b" +                                           // @5   ClientHello, length 331
        "0303" +                                                // @9   legacy_version TLS 1.2
        "cdd90c2fac9beeed66936a727857e192718095ed5f4f3268211ecc7f15dfa190" + // @11 random
        "20 b3af5990e1f7f9db412a4e8b35f3831b1a5b65d5e5db9a355b276a7cd9df0ac9" + // @43 legacy_session_id (32)
        "003e 130213031301c02cc030009fcca9cca8ccaac02bc02f009ec024c028006bc023c027" +
        "0067c00ac0140039c009c0130033009d009c003d003c0035002f00ff" + // @76 cipher_suites (31)
        "01 00" +                                               // @140 compression_methods: null
        "00c4" +                                                // @142 extensions, 196 bytes
        "0000 0015 0013 00 0010 7777772e6578616d706c652e74657374" + // @144 server_name: host_name "www.example.test" @153
        "000b 0004 03000102" +                                  // @169 ec_point_formats
        "000a 0016 0014001d0017001e0019001801000101010201030104" + // @177 supported_groups
        "0023 0000" +                                           // @203 session_ticket
        "0010 000e 000c 02 6832 08 687474702f312e31" +          // @207 ALPN: "h2", "http/1.1"
        "0016 0000" +                                           // @225 encrypt_then_mac
        "0017 0000" +                                           // @229 extended_master_secret
        "000d 002a 0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602" + // @233 signature_algorithms
        "002b 0009 08 0304 0303 0302 0301" +                    // @279 supported_versions: 1.3 1.2 1.1 1.0
        "002d 0002 0101" +                                      // @292 psk_key_exchange_modes
        "0033 0026 0024 001d 0020 f1bc3051f788d8f53db7c0eeaaf709f2c9b3ce9ad00f3394714fd57604edc457"); // @298 key_share x25519; ends @340

    public const int OpenSslServerNameOffset = 153;

    /// <summary>
    /// A browser-shaped hello: GREASE (RFC 8701) in cipher suites, supported_versions, key_share and two extensions,
    /// and an ECH extension (RFC 9849 §5, outer form) as browsers send it, GREASE or real.
    /// </summary>
    public static readonly byte[] BrowserLike = DnsVectors.FromHex(
        "16 0301 00da" +                                        // @0   record: handshake, length 218
        "01 0000d6" +                                           // @5   ClientHello, length 214
        "0303" +                                                // @9   legacy_version
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" + // @11 random
        "20 e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff" + // @43 legacy_session_id (32)
        "0006 3a3a 1301 1302" +                                 // @76  cipher_suites: GREASE, AES-128-GCM, AES-256-GCM
        "01 00" +                                               // @84  compression_methods: null
        "0087" +                                                // @86  extensions, 135 bytes
        "2a2a 0000" +                                           // @88  GREASE extension, empty
        "0000 0014 0012 00 000f 7777772e6578616d706c652e6f7267" + // @92 server_name: host_name "www.example.org" @101
        "0010 000e 000c 02 6832 08 687474702f312e31" +          // @116 ALPN: "h2", "http/1.1"
        "002b 0007 06 6a6a 0304 0303" +                         // @134 supported_versions: GREASE, 1.3, 1.2
        "0033 002b 0029 3a3a 0001 00" +                         // @145 key_share: GREASE group, 1 byte
        "001d 0020 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" + // @156 x25519 share
        "fe0d 0016 00 0001 0001 2a 0004 a1a2a3a4 0008 b1b2b3b4b5b6b7b8" + // @192 encrypted_client_hello: outer,
                                                                // HKDF-SHA256/AES-128-GCM, config 0x2a, enc, payload
        "1a1a 0001 00");                                        // @218 GREASE extension, 1 byte; ends @223

    public const int BrowserLikeServerNameOffset = 101;

    /// <summary>A TLS 1.2-era hello that stops after compression_methods (RFC 5246 §7.4.1.2): no extensions, no name.</summary>
    public static readonly byte[] NoExtensions = DnsVectors.FromHex(
        "16 0301 002f" +                                        // @0  record: handshake, length 47
        "01 00002b" +                                           // @5  ClientHello, length 43
        "0303" +                                                // @9  legacy_version
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" + // @11 random
        "00" +                                                  // @43 legacy_session_id: empty
        "0004 c02f 009c" +                                      // @44 cipher_suites
        "01 00");                                               // @50 compression_methods: null; ends @52

    /// <summary>Every record vector by name, for theories.</summary>
    public static readonly IReadOnlyDictionary<string, byte[]> All = new Dictionary<string, byte[]>
    {
        [nameof(OpenSsl)] = OpenSsl,
        [nameof(BrowserLike)] = BrowserLike,
        [nameof(NoExtensions)] = NoExtensions,
    };

    public static TheoryData<string> Names() => new(All.Keys);

    /// <summary>The handshake message inside a single-record vector.</summary>
    public static byte[] Message(string name) => All[name][MessageOffset..];
}
