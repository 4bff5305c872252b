using System.Security.Cryptography;

namespace Appliance.Protocols.Radius;

/// <summary>The client's MS-CHAP-V2 AVPs inside EAP-TTLS, checked against the challenge the server derived.</summary>
public readonly ref struct TtlsMsChapV2Response(
    ReadOnlySpan<byte> userName, ReadOnlySpan<byte> authenticatorChallenge, byte ident, byte flags, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> ntResponse)
{
    /// <summary>The User-Name AVP as sent (a "DOMAIN\" prefix is stripped only inside the hashes).</summary>
    public ReadOnlySpan<byte> UserName { get; } = userName;

    /// <summary>The MS-CHAP-Challenge AVP, already known to equal the derived 16 octets.</summary>
    public ReadOnlySpan<byte> AuthenticatorChallenge { get; } = authenticatorChallenge;

    /// <summary>MS-CHAP2-Response's Ident, already known to equal the derived 17th octet; the Success AVP repeats it.</summary>
    public byte Ident { get; } = ident;

    public byte Flags { get; } = flags;

    public ReadOnlySpan<byte> PeerChallenge { get; } = peerChallenge;

    public ReadOnlySpan<byte> NtResponse { get; } = ntResponse;
}

/// <summary>
/// EAP-TTLS with MS-CHAP-V2 inside (RFC 5281 §11.2.4). There is no server Challenge message: both ends derive 17 octets
/// from the TLS keying material with the label "ttls challenge" (the exporter is the caller's business); the first 16
/// are the MS-CHAP-Challenge and the 17th the Ident. The client sends User-Name, MS-CHAP-Challenge and MS-CHAP2-Response
/// (RFC 2548 §2.3.2: Ident(1) Flags(1) Peer-Challenge(16) Reserved(8) NT-Response(24) = 50 octets); the server answers
/// MS-CHAP2-Success = Ident + "S=&lt;40 hex&gt;" (or MS-CHAP-Error), the client replies with no data, and EAP-Success follows.
/// Checking the challenge and Ident against the derived ones is what binds the inner login to this tunnel: a response
/// lifted from another session does not match.
/// </summary>
public static class TtlsMsChapV2
{
    public const int ChallengeMaterialLength = 17;
    public const int ResponseLength = 50;

    /// <summary>Ident + "S=" + 40 hex digits.</summary>
    public const int SuccessLength = 1 + MsChapV2.AuthenticatorResponseLength;

    private const int PeerChallengeOffset = 2;
    private const int NtResponseOffset = PeerChallengeOffset + MsChapV2.ChallengeLength + 8;

    /// <summary>
    /// Reads the client's AVPs. <see cref="ParseStatus.NotThisProtocol"/> when there is no MS-CHAP2-Response (try PAP or
    /// EAP). <see cref="ParseStatus.Malformed"/> when the AVPs break, an unknown AVP carries M (RFC 5281 §10.1), User-Name
    /// or MS-CHAP-Challenge is missing, a length is wrong (User-Name over 256 octets, RFC 2759 §8.1), or the challenge or
    /// Ident differ from <paramref name="challengeMaterial"/> (compared in constant time).
    /// </summary>
    public static ParseStatus TryReadResponse(ReadOnlySpan<byte> avps, ReadOnlySpan<byte> challengeMaterial, out TtlsMsChapV2Response response)
    {
        response = default;
        if (challengeMaterial.Length != ChallengeMaterialLength)
        {
            return ParseStatus.Malformed;
        }

        var status = TtlsAvps.TryCollect(avps, out var found);
        if (status != ParseStatus.Ok)
        {
            return status;
        }

        var userName = found.UserName;
        var challenge = found.MsChapChallenge;
        var answer = found.MsChap2Response;
        if (found.MsChap2ResponseCount == 0)
        {
            return ParseStatus.NotThisProtocol;
        }

        if (found.UserNameCount != 1 || found.MsChapChallengeCount != 1 || found.MsChap2ResponseCount != 1
            || userName.IsEmpty || userName.Length > EapMsChapV2.MaxNameLength
            || challenge.Length != MsChapV2.ChallengeLength || answer.Length != ResponseLength
            || !CryptographicOperations.FixedTimeEquals(challenge, challengeMaterial[..MsChapV2.ChallengeLength])
            || answer[0] != challengeMaterial[MsChapV2.ChallengeLength])
        {
            return ParseStatus.Malformed;
        }

        response = new TtlsMsChapV2Response(
            userName, challenge, answer[0], answer[1],
            answer.Slice(PeerChallengeOffset, MsChapV2.ChallengeLength), answer.Slice(NtResponseOffset, MsChapV2.NtResponseLength));
        return ParseStatus.Ok;
    }

    /// <summary>Whether the NT-Response was made with the password behind <paramref name="ntPasswordHash"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> ntPasswordHash, scoped in TtlsMsChapV2Response response) =>
        MsChapV2.VerifyNtResponse(response.AuthenticatorChallenge, response.PeerChallenge, response.UserName, ntPasswordHash, response.NtResponse);

    /// <summary>Writes the MS-CHAP2-Success AVP (vendor 311, M set): Ident + the RFC 2759 §8.7 authenticator response.</summary>
    public static bool TryWriteSuccess(Span<byte> destination, ReadOnlySpan<byte> ntPasswordHash, scoped in TtlsMsChapV2Response response, out int written)
    {
        Span<byte> value = stackalloc byte[SuccessLength];
        value[0] = response.Ident;
        MsChapV2.GenerateAuthenticatorResponse(
            ntPasswordHash, response.NtResponse, response.PeerChallenge, response.AuthenticatorChallenge, response.UserName, value[1..]);
        return DiameterAvpWriter.TryWrite(destination, MicrosoftAvpCode.MsChap2Success, RadiusVendor.Microsoft, mandatory: true, value, out written);
    }

    /// <summary>
    /// Writes the MS-CHAP-Error AVP (vendor 311, M set): Ident + "E=691 R=0" (RFC 2548 §2.1.5 carries RFC 2759 §6's
    /// failure text; no retry, as the derived challenge cannot change within the tunnel).
    /// </summary>
    public static bool TryWriteError(Span<byte> destination, byte ident, out int written)
    {
        Span<byte> value = stackalloc byte[10];
        value[0] = ident;
        "E=691 R=0"u8.CopyTo(value[1..]);
        return DiameterAvpWriter.TryWrite(destination, MicrosoftAvpCode.MsChapError, RadiusVendor.Microsoft, mandatory: true, value, out written);
    }
}

/// <summary>EAP-TTLS with PAP inside (RFC 5281 §11.2.5): User-Name and User-Password AVPs, the password in clear inside the tunnel.</summary>
public static class TtlsPap
{
    /// <summary>A generous cap; RADIUS itself stops at 128 (RFC 2865 §5.2).</summary>
    public const int MaxPasswordLength = 256;

    /// <summary>
    /// Reads User-Name and the password. RFC 5281 §11.2.5 has the client pad the password with NULs to a multiple of 16
    /// octets; trailing NULs are stripped (hostapd does the same). <see cref="ParseStatus.NotThisProtocol"/> when there is
    /// no User-Password AVP; <see cref="ParseStatus.Malformed"/> when the AVPs break, an unknown AVP carries M, either AVP
    /// is missing, repeated or empty, or a length is over its cap.
    /// </summary>
    public static ParseStatus TryReadPassword(ReadOnlySpan<byte> avps, out ReadOnlySpan<byte> userName, out ReadOnlySpan<byte> password)
    {
        userName = default;
        password = default;
        var status = TtlsAvps.TryCollect(avps, out var found);
        if (status != ParseStatus.Ok)
        {
            return status;
        }

        if (found.UserPasswordCount == 0)
        {
            return ParseStatus.NotThisProtocol;
        }

        var clear = found.UserPassword.TrimEnd((byte)0);
        if (found.UserNameCount != 1 || found.UserPasswordCount != 1 || found.UserName.IsEmpty || found.UserName.Length > EapMsChapV2.MaxNameLength
            || clear.IsEmpty || found.UserPassword.Length > MaxPasswordLength)
        {
            return ParseStatus.Malformed;
        }

        userName = found.UserName;
        password = clear;
        return ParseStatus.Ok;
    }
}

/// <summary>One pass over a TTLS AVP list, keeping the AVPs the inner methods read and refusing unknown mandatory ones.</summary>
internal ref struct TtlsAvps
{
    public ReadOnlySpan<byte> UserName;
    public ReadOnlySpan<byte> UserPassword;
    public ReadOnlySpan<byte> MsChapChallenge;
    public ReadOnlySpan<byte> MsChap2Response;
    public int UserNameCount;
    public int UserPasswordCount;
    public int MsChapChallengeCount;
    public int MsChap2ResponseCount;

    /// <summary>
    /// RFC 5281 §10.1: an AVP with M that the server does not support fails the exchange. Supported: the AVPs of the
    /// inner methods TTLS defines (PAP, CHAP, MS-CHAP-V2, EAP); a method this server does not run is refused later.
    /// </summary>
    public static ParseStatus TryCollect(ReadOnlySpan<byte> avps, out TtlsAvps found)
    {
        found = default;
        var reader = new DiameterAvpReader(avps);
        while (!reader.IsAtEnd)
        {
            var status = reader.TryRead(out var avp);
            if (status != ParseStatus.Ok)
            {
                return status;
            }

            if (avp.Is(DiameterAvpCode.UserName))
            {
                found.UserName = avp.Data;
                found.UserNameCount++;
            }
            else if (avp.Is(DiameterAvpCode.UserPassword))
            {
                found.UserPassword = avp.Data;
                found.UserPasswordCount++;
            }
            else if (avp.Is(MicrosoftAvpCode.MsChapChallenge, RadiusVendor.Microsoft))
            {
                found.MsChapChallenge = avp.Data;
                found.MsChapChallengeCount++;
            }
            else if (avp.Is(MicrosoftAvpCode.MsChap2Response, RadiusVendor.Microsoft))
            {
                found.MsChap2Response = avp.Data;
                found.MsChap2ResponseCount++;
            }
            else if (avp.IsMandatory && !IsOtherTtlsAvp(avp))
            {
                return ParseStatus.Malformed;
            }
        }

        return ParseStatus.Ok;
    }

    private static bool IsOtherTtlsAvp(DiameterAvp avp) =>
        avp.Is(DiameterAvpCode.ChapPassword) || avp.Is(DiameterAvpCode.ChapChallenge) || avp.Is(DiameterAvpCode.EapMessage)
        || avp.Is(DiameterAvpCode.ReplyMessage);
}
