namespace Appliance.Protocols.Tls;

/// <summary>
/// Reads one complete ClientHello handshake message (RFC 8446 §4.1.2): <c>msg_type</c> 1, a 24-bit length, then
/// the body. It knows nothing of the record layer, so TLS over TCP (<see cref="ClientHelloScanner"/>) and QUIC
/// (RFC 9001 §4.1.3: CRYPTO frames carry handshake messages without records) share it.
/// <para>
/// Every length is checked against its container, and a container must be used up exactly: a server would abort
/// with decode_error on the same bytes, so a hello we call Malformed is one no server answers. The rules that
/// matter against evasion are the strict ones: duplicate extensions (RFC 8446 §4.2), an inconsistent server_name
/// list (RFC 6066 §3), and pre_shared_key anywhere but last (RFC 8446 §4.2.11).
/// </para>
/// </summary>
public static class ClientHelloReader
{
    /// <summary>
    /// Reads the handshake message at the start of <paramref name="handshakeMessage"/> (bytes after it are ignored).
    /// NeedMoreData when the span ends before the message does; Malformed when it is not a ClientHello, is longer
    /// than <see cref="ClientHelloScanner.MaxHandshakeBytes"/> or breaks a rule; Ok with <paramref name="hello"/>.
    /// </summary>
    public static ParseStatus TryRead(ReadOnlySpan<byte> handshakeMessage, out ClientHello hello)
    {
        hello = default;
        if (!handshakeMessage.IsEmpty && handshakeMessage[0] != TlsHandshakeType.ClientHello)
        {
            return ParseStatus.Malformed;   // a client's first handshake message is always a ClientHello
        }

        if (handshakeMessage.Length < TlsLimits.HandshakeHeaderLength)
        {
            return ParseStatus.NeedMoreData;
        }

        var bodyLength = TlsReader.ReadUInt24(handshakeMessage[1..]);
        if (bodyLength > ClientHelloScanner.MaxHandshakeBytes - TlsLimits.HandshakeHeaderLength)
        {
            return ParseStatus.Malformed;   // our cap: nobody waits for 16 MiB of "hello"
        }

        if (handshakeMessage.Length - TlsLimits.HandshakeHeaderLength < bodyLength)
        {
            return ParseStatus.NeedMoreData;
        }

        return ReadBody(handshakeMessage.Slice(TlsLimits.HandshakeHeaderLength, bodyLength), out hello);
    }

    private static ParseStatus ReadBody(ReadOnlySpan<byte> body, out ClientHello hello)
    {
        hello = default;
        var reader = new TlsReader(body);
        if (!reader.TryReadUInt16(out var legacyVersion) || legacyVersion >> 8 != 3
            || !reader.TrySkip(32)                                                                   // random
            || !reader.TryReadVector8(out var sessionId) || sessionId.Length > TlsLimits.MaxSessionIdLength
            || !reader.TryReadVector16(out var cipherSuites) || cipherSuites.Length < 2 || cipherSuites.Length % 2 != 0
            || !reader.TryReadVector8(out var compressionMethods) || compressionMethods.IsEmpty)
        {
            return ParseStatus.Malformed;
        }

        if (reader.IsEmpty)
        {
            // RFC 5246 §7.4.1.2: a pre-1.3 hello may stop after compression_methods; it names no server.
            hello = new ClientHello(legacyVersion, default, false, default, false, false);
            return ParseStatus.Ok;
        }

        if (!reader.TryReadVector16(out var extensions) || !reader.IsEmpty)
        {
            return ParseStatus.Malformed;
        }

        return ReadExtensions(legacyVersion, extensions, out hello);
    }

    private static ParseStatus ReadExtensions(ushort legacyVersion, ReadOnlySpan<byte> extensions, out ClientHello hello)
    {
        hello = default;
        Span<ushort> types = stackalloc ushort[TlsLimits.MaxExtensions];
        var count = 0;
        ReadOnlySpan<byte> serverName = default, alpn = default;
        bool hasServerName = false, offersTls13 = false, hasEch = false;

        // Types we do not know (GREASE values of RFC 8701 among them) are skipped by their length, as a server does.
        var reader = new TlsReader(extensions);
        while (!reader.IsEmpty)
        {
            if (count == types.Length || !reader.TryReadUInt16(out var type) || !reader.TryReadVector16(out var data))
            {
                return ParseStatus.Malformed;
            }

            types[count++] = type;
            hasEch |= type == TlsExtensionType.EncryptedClientHello;
            var valid = type switch
            {
                TlsExtensionType.ServerName => TryReadServerName(data, out serverName, out hasServerName),
                TlsExtensionType.ApplicationLayerProtocol => TryReadAlpn(data, out alpn),
                TlsExtensionType.SupportedVersions => TryReadSupportedVersions(data, out offersTls13),
                TlsExtensionType.PreSharedKey => reader.IsEmpty,   // RFC 8446 §4.2.11: MUST be the last extension
                _ => true,
            };

            if (!valid)
            {
                return ParseStatus.Malformed;
            }
        }

        if (HasDuplicate(types[..count]))
        {
            // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type". Without this rule a
            // second server_name could show the filter one name and the server another.
            return ParseStatus.Malformed;
        }

        hello = new ClientHello(legacyVersion, serverName, hasServerName, alpn, offersTls13, hasEch);
        return ParseStatus.Ok;
    }

    private static bool HasDuplicate(Span<ushort> types)
    {
        types.Sort();
        for (var i = 1; i < types.Length; i++)
        {
            if (types[i] == types[i - 1])
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// RFC 6066 §3: <c>ServerNameList server_name_list&lt;1..2^16-1&gt;</c> of (name_type, opaque&lt;1..2^16-1&gt;).
    /// Every entry is checked, whatever its type (§3 requires future types to start with a 16-bit length too), and
    /// a second host_name is Malformed (the server and we might pick different ones). A list of unknown types only is
    /// valid and names no host.
    /// </summary>
    private static bool TryReadServerName(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> hostName, out bool found)
    {
        hostName = default;
        found = false;
        var outer = new TlsReader(data);
        if (!outer.TryReadVector16(out var list) || !outer.IsEmpty || list.IsEmpty)
        {
            return false;
        }

        var reader = new TlsReader(list);
        while (!reader.IsEmpty)
        {
            if (!reader.TryReadUInt8(out var nameType) || !reader.TryReadVector16(out var name) || name.IsEmpty)
            {
                return false;
            }

            if (nameType == 0)   // NameType host_name(0)
            {
                if (found)
                {
                    return false;   // RFC 6066 §3: not more than one name of a type; a server and we might pick different ones
                }

                hostName = name;
                found = true;
            }
        }

        return true;
    }

    /// <summary>RFC 7301 §3.1: <c>ProtocolName protocol_name_list&lt;2..2^16-1&gt;</c>, each name &lt;1..2^8-1&gt;.</summary>
    private static bool TryReadAlpn(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> list)
    {
        var outer = new TlsReader(data);
        if (!outer.TryReadVector16(out list) || !outer.IsEmpty || list.Length < 2)
        {
            return false;
        }

        var reader = new TlsReader(list);
        while (!reader.IsEmpty)
        {
            if (!reader.TryReadVector8(out var name) || name.IsEmpty)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 8446 §4.2.1, ClientHello form: <c>ProtocolVersion versions&lt;2..254&gt;</c>.</summary>
    private static bool TryReadSupportedVersions(ReadOnlySpan<byte> data, out bool offersTls13)
    {
        offersTls13 = false;
        var outer = new TlsReader(data);
        if (!outer.TryReadVector8(out var versions) || !outer.IsEmpty || versions.Length < 2 || versions.Length % 2 != 0)
        {
            return false;
        }

        var reader = new TlsReader(versions);
        while (reader.TryReadUInt16(out var version))
        {
            offersTls13 |= version == TlsVersion.Tls13;
        }

        return true;
    }
}
