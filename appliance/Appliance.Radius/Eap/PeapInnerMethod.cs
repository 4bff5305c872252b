using System.Security.Cryptography;
using Appliance.Protocols;
using Appliance.Protocols.Radius;
using Appliance.Radius.Users;

namespace Appliance.Radius.Eap;

/// <summary>
/// PEAPv0's phase 2 ([MS-PEAP]; draft-kamath-pppext-peapv0): inside the tunnel, EAP-Identity, then EAP-MSCHAPv2
/// (draft-kamath-pppext-eap-mschapv2: Challenge, Response, Success or Failure and the peer's acknowledgement), then the
/// EAP-TLV Result exchange, whose Success is what lets the outer EAP-Success and keys follow. Inner packets travel
/// without their EAP header except EAP-TLV (<see cref="PeapV0InnerEap"/>).
/// </summary>
internal sealed class PeapInnerMethod(IUserDirectory users, string serverName = "appliance") : ITunnelMethod
{
    private enum Phase
    {
        Start,
        AwaitIdentity,
        AwaitResponse,
        AwaitSuccessAck,
        AwaitFailureAck,
        AwaitResultSuccess,
        AwaitResultFailure,
    }

    private readonly byte[] _challenge = new byte[MsChapV2.ChallengeLength];
    private Phase _phase;
    private byte _challengeId;
    private CredentialCheck _check;

    /// <summary>PEAPv0's MSK label is EAP-TLS's (RFC 5216 §2.3; [MS-PEAP] §3.1.5.5 for PEAPv0 without crypto-binding).</summary>
    public string KeyLabel => "client EAP encryption";

    public string? InnerIdentity { get; private set; }

    public InnerStep Process(ReadOnlySpan<byte> plaintext, byte identifier)
    {
        if (_phase == Phase.Start)
        {
            _phase = Phase.AwaitIdentity;
            return Send(EapCode.Request, identifier, EapType.Identity, []);   // the peer's empty acknowledgement of the handshake
        }

        Span<byte> packet = stackalloc byte[EapTlsChannelLimits.MaxInnerPacket];
        var expectExtensions = _phase is Phase.AwaitResultSuccess or Phase.AwaitResultFailure;
        if (PeapV0InnerEap.TryUnwrap(plaintext, expectExtensions, EapCode.Response, (byte)(identifier - 1), packet, out var length) != ParseStatus.Ok
            || EapPacketReader.TryRead(packet[..length], out var inner) != ParseStatus.Ok)
        {
            return InnerStep.Reject("malformed inner EAP packet");
        }

        return _phase switch
        {
            Phase.AwaitIdentity => Identity(inner, identifier),
            Phase.AwaitResponse => Response(inner, identifier),
            Phase.AwaitSuccessAck => Acknowledged(inner, identifier, MsChapV2OpCode.Success, PeapResult.Success, Phase.AwaitResultSuccess),
            Phase.AwaitFailureAck => Acknowledged(inner, identifier, MsChapV2OpCode.Failure, PeapResult.Failure, Phase.AwaitResultFailure),
            Phase.AwaitResultSuccess => Result(inner),
            _ => InnerStep.Reject($"PEAP-MSCHAPv2: {_check.Outcome}", _check),
        };
    }

    private InnerStep Identity(EapPacketReader inner, byte identifier)
    {
        if (inner.Type != EapType.Identity || inner.TypeData.IsEmpty)
        {
            return InnerStep.Reject(inner.Type == EapType.Nak ? "the peer refused EAP-MSCHAPv2 inside PEAP" : "no inner identity");
        }

        InnerIdentity = System.Text.Encoding.UTF8.GetString(inner.TypeData);
        RandomNumberGenerator.Fill(_challenge);
        var name = System.Text.Encoding.ASCII.GetBytes(serverName);
        Span<byte> typeData = stackalloc byte[EapMsChapV2.HeaderLength + 1 + MsChapV2.ChallengeLength + name.Length];
        _challengeId = identifier;
        if (!EapMsChapV2.TryWriteChallenge(typeData, identifier, _challenge, name, out var written))
        {
            return InnerStep.Reject($"the MSCHAPv2 challenge cannot carry the server name '{serverName}'");
        }

        _phase = Phase.AwaitResponse;
        return Send(EapCode.Request, identifier, EapType.MsChapV2, typeData[..written]);
    }

    private InnerStep Response(EapPacketReader inner, byte identifier)
    {
        if (inner.Type != EapType.MsChapV2 || EapMsChapV2.TryReadResponse(inner.TypeData, out var response) != ParseStatus.Ok)
        {
            return InnerStep.Reject(inner.Type == EapType.Nak ? "the peer refused EAP-MSCHAPv2 inside PEAP" : "malformed MSCHAPv2 response");
        }

        if (response.MsChapV2Id != _challengeId)
        {
            return InnerStep.Reject("the MSCHAPv2 response answers another challenge");   // draft-kamath §2.2: the ID echoes ours
        }

        // The delegate cannot capture spans: copy the response's parts (small, fixed size).
        var peerChallenge = response.PeerChallenge.ToArray();
        var ntResponse = response.NtResponse.ToArray();
        var name = response.Name.ToArray();
        var authenticatorResponse = new byte[MsChapV2.AuthenticatorResponseLength];
        var challenge = _challenge;
        _check = users.CheckNtHash(UserNames.ForLookup(InnerIdentity!), ntHash =>
        {
            if (!MsChapV2.VerifyNtResponse(challenge, peerChallenge, name, ntHash, ntResponse))
            {
                return false;
            }

            MsChapV2.GenerateAuthenticatorResponse(ntHash, ntResponse, peerChallenge, challenge, name, authenticatorResponse);
            return true;
        });

        Span<byte> typeData = stackalloc byte[128];
        int written;
        if (_check.Accepted)
        {
            EapMsChapV2.TryWriteSuccess(typeData, response.MsChapV2Id, authenticatorResponse, [], out written);
            _phase = Phase.AwaitSuccessAck;
        }
        else
        {
            // RFC 2759 §6: 691 (authentication failure) whatever the cause, no retry. 647 (account disabled) would tell
            // anyone who asks, before any password, which accounts exist and which are disabled; the log has the cause.
            const int error = 691;
            Span<byte> fresh = stackalloc byte[MsChapV2.ChallengeLength];
            RandomNumberGenerator.Fill(fresh);
            EapMsChapV2.TryWriteFailure(typeData, response.MsChapV2Id, error, retry: false, fresh, [], out written);
            _phase = Phase.AwaitFailureAck;
        }

        return Send(EapCode.Request, identifier, EapType.MsChapV2, typeData[..written]);
    }

    private InnerStep Acknowledged(EapPacketReader inner, byte identifier, MsChapV2OpCode expected, PeapResult result, Phase next)
    {
        if (inner.Type != EapType.MsChapV2 || EapMsChapV2.TryReadAcknowledgement(inner.TypeData, out var opCode) != ParseStatus.Ok || opCode != expected)
        {
            return InnerStep.Reject($"the peer did not acknowledge MSCHAPv2 {expected}", _check);
        }

        Span<byte> tlv = stackalloc byte[PeapTlvs.ResultTlvLength];
        PeapTlvs.TryWriteResult(tlv, result, out _);
        _phase = next;
        return Send(EapCode.Request, identifier, EapType.Tlv, tlv);
    }

    private InnerStep Result(EapPacketReader inner)
    {
        return inner.Type == EapType.Tlv
            && PeapTlvs.TryReadResult(inner.TypeData, out var result, out var unknownMandatory) == ParseStatus.Ok
            && unknownMandatory < 0 && result == PeapResult.Success
            ? InnerStep.Accept(_check)
            : InnerStep.Reject("the peer did not confirm the PEAP result", _check);
    }

    private static InnerStep Send(EapCode code, byte identifier, byte type, ReadOnlySpan<byte> typeData)
    {
        Span<byte> packet = stackalloc byte[EapPacketReader.HeaderLength + 1 + typeData.Length];
        EapPacketReader.TryWrite(packet, code, identifier, type, typeData, out _);
        var wrapped = new byte[packet.Length];
        PeapV0InnerEap.TryWrap(packet, wrapped, out var written);
        return InnerStep.Send(wrapped[..written]);
    }
}

/// <summary>Sizes inside the tunnel.</summary>
internal static class EapTlsChannelLimits
{
    /// <summary>The largest inner EAP packet we read (an MSCHAPv2 Response with a 256-octet name is under 350).</summary>
    public const int MaxInnerPacket = 2048;
}
