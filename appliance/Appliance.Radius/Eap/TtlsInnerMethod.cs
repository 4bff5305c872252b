using Appliance.Protocols;
using Appliance.Protocols.Radius;
using Appliance.Radius.Tls;
using Appliance.Radius.Users;

namespace Appliance.Radius.Eap;

/// <summary>
/// EAP-TTLS phase 2 (RFC 5281 §11.2) with the two inner methods clients use without EAP inside: PAP (§11.2.5: User-Name
/// and User-Password in the tunnel, checked against the slow hash) and MS-CHAP-V2 (§11.2.4: the challenge comes from the
/// tunnel's keys, so there is no server Challenge round trip; the server answers MS-CHAP2-Success and accepts after the
/// peer's empty acknowledgement).
/// </summary>
internal sealed class TtlsInnerMethod(IUserDirectory users, TlsTunnel tunnel) : ITunnelMethod
{
    private bool _solicited;
    private bool _awaitingAck;
    private CredentialCheck _check;

    public string KeyLabel => "ttls keying material";

    public string? InnerIdentity { get; private set; }

    public InnerStep Process(ReadOnlySpan<byte> plaintext, byte identifier)
    {
        if (_awaitingAck)
        {
            return plaintext.IsEmpty ? InnerStep.Accept(_check) : InnerStep.Reject("data where the MS-CHAP2-Success acknowledgement belongs", _check);
        }

        if (plaintext.IsEmpty)
        {
            // The peer acknowledged our Finished without sending its AVPs: ask once with an empty Request.
            return _solicited ? InnerStep.Reject("no inner authentication from the peer") : Solicit();
        }

        switch (TtlsPap.TryReadPassword(plaintext, out var name, out var password))
        {
            case ParseStatus.Ok:
                InnerIdentity = System.Text.Encoding.UTF8.GetString(name);
                _check = users.CheckPassword(UserNames.ForLookup(InnerIdentity), password);
                return _check.Accepted ? InnerStep.Accept(_check) : InnerStep.Reject("TTLS-PAP: " + _check.Outcome, _check);
            case ParseStatus.NotThisProtocol:
                return MsChapV2(plaintext);
            default:
                return InnerStep.Reject("malformed TTLS-PAP AVPs");
        }
    }

    private InnerStep Solicit()
    {
        _solicited = true;
        return InnerStep.Send([]);
    }

    private InnerStep MsChapV2(ReadOnlySpan<byte> avps)
    {
        Span<byte> material = stackalloc byte[TtlsMsChapV2.ChallengeMaterialLength];
        tunnel.ExportKeyingMaterial("ttls challenge", material);   // RFC 5281 §11.1
        var status = TtlsMsChapV2.TryReadResponse(avps, material, out var response);
        if (status != ParseStatus.Ok)
        {
            return InnerStep.Reject(status == ParseStatus.NotThisProtocol
                ? "TTLS inner method is neither PAP nor MS-CHAP-V2"
                : "malformed TTLS MS-CHAP-V2 AVPs (or a challenge from another tunnel)");
        }

        InnerIdentity = System.Text.Encoding.UTF8.GetString(response.UserName);
        var copy = new ResponseCopy(response);
        var success = new byte[TtlsMsChapV2.SuccessLength + 12 + 4];
        var successLength = 0;
        _check = users.CheckNtHash(UserNames.ForLookup(InnerIdentity), ntHash =>
        {
            var view = copy.View();
            if (!TtlsMsChapV2.Verify(ntHash, view))
            {
                return false;
            }

            TtlsMsChapV2.TryWriteSuccess(success, ntHash, view, out successLength);
            return true;
        });

        if (!_check.Accepted)
        {
            return InnerStep.Reject("TTLS-MSCHAPv2: " + _check.Outcome, _check);
        }

        _awaitingAck = true;
        return InnerStep.Send(success[..successLength]);
    }

    // The parsed response holds spans into the plaintext; the directory's delegate needs them on the heap.
    private sealed class ResponseCopy(TtlsMsChapV2Response response)
    {
        private readonly byte[] _userName = response.UserName.ToArray();
        private readonly byte[] _challenge = response.AuthenticatorChallenge.ToArray();
        private readonly byte _ident = response.Ident;
        private readonly byte _flags = response.Flags;
        private readonly byte[] _peerChallenge = response.PeerChallenge.ToArray();
        private readonly byte[] _ntResponse = response.NtResponse.ToArray();

        public TtlsMsChapV2Response View() => new(_userName, _challenge, _ident, _flags, _peerChallenge, _ntResponse);
    }
}
