using System.Buffers.Binary;

namespace Appliance.Protocols.Radius;

/// <summary>EAP-MSCHAPv2 OpCodes (draft-kamath-pppext-eap-mschapv2-00 §2).</summary>
public enum MsChapV2OpCode : byte
{
    Challenge = 1,
    Response = 2,
    Success = 3,
    Failure = 4,
    ChangePassword = 7,
}

/// <summary>A peer's Response: its challenge, its NT-Response and the name it authenticates as.</summary>
public readonly ref struct EapMsChapV2Response(byte msChapV2Id, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> ntResponse, byte flags, ReadOnlySpan<byte> name)
{
    /// <summary>Echoes the Challenge's MS-CHAPv2-ID; the Success/Failure request repeats it.</summary>
    public byte MsChapV2Id { get; } = msChapV2Id;

    public ReadOnlySpan<byte> PeerChallenge { get; } = peerChallenge;

    public ReadOnlySpan<byte> NtResponse { get; } = ntResponse;

    /// <summary>RFC 2759 §4: reserved, zero. Reported, not enforced (hostapd and FreeRADIUS ignore it too).</summary>
    public byte Flags { get; } = flags;

    /// <summary>The user name as the peer typed it, domain included ("SCHOOL\alice").</summary>
    public ReadOnlySpan<byte> Name { get; } = name;
}

/// <summary>
/// The Type-Data of EAP-MSCHAPv2 (EAP type 26; draft-kamath-pppext-eap-mschapv2-00 §2), which wraps RFC 2759's
/// packets in a 4-octet header: OpCode(1) MS-CHAPv2-ID(1) MS-Length(2), where MS-Length = EAP Length - 5, i.e. the
/// whole Type-Data. Then, by OpCode:
/// <code>
///   Challenge (server):  Value-Size(1)=16  Challenge(16)  Name…
///   Response  (peer):    Value-Size(1)=49  Peer-Challenge(16) Reserved(8) NT-Response(24) Flags(1)  Name…
///   Success   (server):  "S=&lt;40 hex&gt; M=&lt;message&gt;"        Success (peer): the OpCode octet alone
///   Failure   (server):  "E=691 R=0 C=&lt;32 hex&gt; V=3 M=…"     Failure (peer): the OpCode octet alone
/// </code>
/// Readers use MS-Length to end the Name: less Type-Data than MS-Length is a truncation
/// (<see cref="ParseStatus.NeedMoreData"/>); octets past it are ignored, like EAP padding (RFC 3748 §4.1).
/// </summary>
public static class EapMsChapV2
{
    public const int HeaderLength = 4;
    public const int ChallengeValueSize = 16;
    public const int ResponseValueSize = 49;

    /// <summary>RFC 2759 §8.1: "IN 0-to-256-char UserName"; a longer Name is refused rather than hashed.</summary>
    public const int MaxNameLength = 256;

    private const int ReservedLength = 8;

    /// <summary>The OpCode of any EAP-MSCHAPv2 Type-Data (the state machine decides what it expects).</summary>
    public static ParseStatus TryReadOpCode(ReadOnlySpan<byte> typeData, out MsChapV2OpCode opCode)
    {
        opCode = typeData.IsEmpty ? default : (MsChapV2OpCode)typeData[0];
        return typeData.IsEmpty ? ParseStatus.NeedMoreData : ParseStatus.Ok;
    }

    /// <summary>
    /// The peer's answer to our Success or Failure request: its Type-Data is the OpCode alone (draft §2.4, §2.5).
    /// Anything after it is ignored; an OpCode other than Success or Failure is <see cref="ParseStatus.Malformed"/>.
    /// </summary>
    public static ParseStatus TryReadAcknowledgement(ReadOnlySpan<byte> typeData, out MsChapV2OpCode opCode)
    {
        var status = TryReadOpCode(typeData, out opCode);
        return status != ParseStatus.Ok || opCode is MsChapV2OpCode.Success or MsChapV2OpCode.Failure ? status : ParseStatus.Malformed;
    }

    /// <summary>Reads the peer's Response. A Value-Size other than 49 or a Name over 256 octets is malformed.</summary>
    public static ParseStatus TryReadResponse(ReadOnlySpan<byte> typeData, out EapMsChapV2Response response)
    {
        response = default;
        var status = TryReadValue(typeData, MsChapV2OpCode.Response, ResponseValueSize, out var id, out var value, out var name);
        if (status == ParseStatus.Ok)
        {
            response = new EapMsChapV2Response(
                id, value[..MsChapV2.ChallengeLength], value.Slice(MsChapV2.ChallengeLength + ReservedLength, MsChapV2.NtResponseLength), value[^1], name);
        }

        return status;
    }

    /// <summary>Reads a server's Challenge (the peer's side: tests and probes).</summary>
    public static ParseStatus TryReadChallenge(ReadOnlySpan<byte> typeData, out byte msChapV2Id, out ReadOnlySpan<byte> challenge, out ReadOnlySpan<byte> name) =>
        TryReadValue(typeData, MsChapV2OpCode.Challenge, ChallengeValueSize, out msChapV2Id, out challenge, out name);

    /// <summary>Reads a server's Success or Failure request: the OpCode, the ID and the message text after the header.</summary>
    public static ParseStatus TryReadMessage(ReadOnlySpan<byte> typeData, out MsChapV2OpCode opCode, out byte msChapV2Id, out ReadOnlySpan<byte> message)
    {
        message = default;
        var status = TryReadHeader(typeData, out opCode, out msChapV2Id, out var body);
        if (status == ParseStatus.Ok && opCode is not (MsChapV2OpCode.Success or MsChapV2OpCode.Failure))
        {
            return ParseStatus.Malformed;
        }

        message = body;
        return status;
    }

    /// <summary>Writes a Challenge: 16 random octets the caller drew, and the server's name (may be empty).</summary>
    public static bool TryWriteChallenge(Span<byte> destination, byte msChapV2Id, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> serverName, out int written)
    {
        written = 0;
        return challenge.Length == ChallengeValueSize && serverName.Length <= MaxNameLength
            && TryWriteValue(destination, MsChapV2OpCode.Challenge, msChapV2Id, challenge, serverName, out written);
    }

    /// <summary>Writes a Response (the peer's side: tests and probes). Reserved and Flags are zero (RFC 2759 §4).</summary>
    public static bool TryWriteResponse(
        Span<byte> destination, byte msChapV2Id, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> ntResponse, ReadOnlySpan<byte> name, out int written)
    {
        written = 0;
        if (peerChallenge.Length != MsChapV2.ChallengeLength || ntResponse.Length != MsChapV2.NtResponseLength || name.Length > MaxNameLength)
        {
            return false;
        }

        Span<byte> value = stackalloc byte[ResponseValueSize];
        value.Clear();
        peerChallenge.CopyTo(value);
        ntResponse.CopyTo(value[(MsChapV2.ChallengeLength + ReservedLength)..]);
        return TryWriteValue(destination, MsChapV2OpCode.Response, msChapV2Id, value, name, out written);
    }

    /// <summary>
    /// Writes a Success request carrying the authenticator response (RFC 2759 §5: "S=&lt;auth_string&gt; M=&lt;message&gt;";
    /// " M=…" is left out when <paramref name="message"/> is empty). <paramref name="msChapV2Id"/> repeats the Response's.
    /// </summary>
    public static bool TryWriteSuccess(Span<byte> destination, byte msChapV2Id, ReadOnlySpan<byte> authenticatorResponse, ReadOnlySpan<byte> message, out int written)
    {
        written = 0;
        if (authenticatorResponse.Length != MsChapV2.AuthenticatorResponseLength || !authenticatorResponse.StartsWith("S="u8))
        {
            return false;
        }

        return TryWriteText(destination, MsChapV2OpCode.Success, msChapV2Id, authenticatorResponse, message.IsEmpty ? default : " M="u8, message, out written);
    }

    /// <summary>
    /// Writes a Failure request (RFC 2759 §6): "E=&lt;error&gt; R=&lt;0|1&gt; C=&lt;32 hex&gt; V=3 M=&lt;message&gt;". Error 691 is
    /// ERROR_AUTHENTICATION_FAILURE; R=1 would invite a retry with the new challenge C, which EAP (one attempt per
    /// conversation) does not use, so servers send R=0 and any 16 octets for C.
    /// </summary>
    public static bool TryWriteFailure(
        Span<byte> destination, byte msChapV2Id, int error, bool retry, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> message, out int written)
    {
        written = 0;
        Span<byte> text = stackalloc byte[64];
        if (challenge.Length != MsChapV2.ChallengeLength || error is < 0 or > 9999)
        {
            return false;
        }

        "E="u8.CopyTo(text);
        error.TryFormat(text[2..], out var digits);
        var at = 2 + digits;
        (retry ? " R=1 C="u8 : " R=0 C="u8).CopyTo(text[at..]);
        at += 7;
        MsChapV2.WriteUpperHex(challenge, text[at..]);
        at += 2 * MsChapV2.ChallengeLength;
        " V=3 M="u8.CopyTo(text[at..]);
        at += 7;
        return TryWriteText(destination, MsChapV2OpCode.Failure, msChapV2Id, text[..at], default, message, out written);
    }

    /// <summary>Writes the peer's one-octet Success or Failure answer (tests and probes).</summary>
    public static bool TryWriteAcknowledgement(Span<byte> destination, MsChapV2OpCode opCode, out int written)
    {
        written = destination.IsEmpty || opCode is not (MsChapV2OpCode.Success or MsChapV2OpCode.Failure) ? 0 : 1;
        if (written == 1)
        {
            destination[0] = (byte)opCode;
        }

        return written == 1;
    }

    private static ParseStatus TryReadHeader(ReadOnlySpan<byte> typeData, out MsChapV2OpCode opCode, out byte msChapV2Id, out ReadOnlySpan<byte> body)
    {
        opCode = default;
        msChapV2Id = 0;
        body = default;
        if (typeData.Length < HeaderLength)
        {
            return ParseStatus.NeedMoreData;
        }

        int msLength = BinaryPrimitives.ReadUInt16BigEndian(typeData[2..]);
        if (msLength < HeaderLength)
        {
            return ParseStatus.Malformed;
        }

        if (msLength > typeData.Length)
        {
            return ParseStatus.NeedMoreData;
        }

        opCode = (MsChapV2OpCode)typeData[0];
        msChapV2Id = typeData[1];
        body = typeData[HeaderLength..msLength];
        return ParseStatus.Ok;
    }

    private static ParseStatus TryReadValue(
        ReadOnlySpan<byte> typeData, MsChapV2OpCode expected, int valueSize, out byte msChapV2Id, out ReadOnlySpan<byte> value, out ReadOnlySpan<byte> name)
    {
        value = default;
        name = default;
        var status = TryReadHeader(typeData, out var opCode, out msChapV2Id, out var body);
        if (status != ParseStatus.Ok)
        {
            return status;
        }

        if (opCode != expected || body.IsEmpty || body[0] != valueSize)
        {
            return ParseStatus.Malformed;
        }

        if (body.Length < 1 + valueSize)
        {
            return ParseStatus.Malformed;   // MS-Length itself ends the value early: the peer's lengths disagree
        }

        value = body.Slice(1, valueSize);
        name = body[(1 + valueSize)..];
        return name.Length > MaxNameLength ? ParseStatus.Malformed : ParseStatus.Ok;
    }

    private static bool TryWriteValue(
        Span<byte> destination, MsChapV2OpCode opCode, byte msChapV2Id, ReadOnlySpan<byte> value, ReadOnlySpan<byte> name, out int written)
    {
        written = HeaderLength + 1 + value.Length + name.Length;
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        WriteHeader(destination, opCode, msChapV2Id, written);
        destination[HeaderLength] = (byte)value.Length;
        value.CopyTo(destination[(HeaderLength + 1)..]);
        name.CopyTo(destination[(HeaderLength + 1 + value.Length)..]);
        return true;
    }

    private static bool TryWriteText(
        Span<byte> destination, MsChapV2OpCode opCode, byte msChapV2Id, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, out int written)
    {
        written = HeaderLength + a.Length + b.Length + c.Length;
        if (destination.Length < written || written > ushort.MaxValue - 5)
        {
            written = 0;
            return false;
        }

        WriteHeader(destination, opCode, msChapV2Id, written);
        a.CopyTo(destination[HeaderLength..]);
        b.CopyTo(destination[(HeaderLength + a.Length)..]);
        c.CopyTo(destination[(HeaderLength + a.Length + b.Length)..]);
        return true;
    }

    /// <summary>MS-Length = the whole Type-Data (EAP Length - 5), as hostapd and wpa_supplicant write it.</summary>
    private static void WriteHeader(Span<byte> destination, MsChapV2OpCode opCode, byte msChapV2Id, int msLength)
    {
        destination[0] = (byte)opCode;
        destination[1] = msChapV2Id;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)msLength);
    }
}
