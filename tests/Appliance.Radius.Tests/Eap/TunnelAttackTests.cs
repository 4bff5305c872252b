using System.Buffers;
using Appliance.Protocols.Radius;
using Appliance.Radius.Eap;
using Appliance.Radius.Tests.Tls;
using Appliance.Radius.Tls;
using Microsoft.Extensions.Time.Testing;
using static Appliance.Radius.Tests.Eap.EapPackets;

namespace Appliance.Radius.Tests.Eap;

/// <summary>
/// A hostile supplicant inside the tunnel (eapol_test only plays by the rules): it completes TLS with a real OpenSSL
/// client, then sends what a well-behaved peer never would — a Result TLV Success before any MSCHAPv2, an MSCHAPv2
/// Success acknowledgement without a response, TLV Success after a failed response, TTLS acknowledgements with no
/// credentials. None may end in an Accept.
/// </summary>
public sealed class TunnelAttackTests : IDisposable
{
    private readonly TunnelCertificateFiles _certificates = new();
    private readonly EapTlsContext _tls;
    private readonly EapTlsContext _clientContext = EapTlsContext.CreateClient();
    private readonly FakeTimeProvider _time = new();
    private readonly TestDirectory _users = new TestDirectory().Add("alice", "correct horse battery")
        .Add("old.account", "still-the-password", refusal: Appliance.Radius.Users.CredentialOutcome.Disabled);
    private EapOutcome _last = null!;

    public TunnelAttackTests() => _tls = EapTlsContext.Load(_certificates.ChainPath, _certificates.KeyPath);

    [Fact]
    public void Control_the_same_scripted_client_playing_by_the_rules_is_accepted()
    {
        var (server, client) = Tunnel(EapType.Peap);
        Inner(server, client, []);
        Inner(server, client, [EapType.Identity, .. "alice"u8]);
        Assert.Equal(EapVerdict.Challenge, Inner(server, client, AliceRightResponse(_lastInner[2])).Verdict);   // Success "S=…"
        Assert.Equal((byte)MsChapV2OpCode.Success, _lastInner[1]);
        Inner(server, client, [EapType.MsChapV2, (byte)MsChapV2OpCode.Success]);                                      // → Result TLV
        var outcome = Inner(server, client, [2, _last.EapPacket[1], 0, 11, EapType.Tlv, 0x80, 0x03, 0, 2, 0, 1]);

        Assert.Equal(EapVerdict.Accept, outcome.Verdict);
        Assert.Equal("alice", outcome.Check.User!.Name);
    }

    [Fact]
    public void PEAP_Result_TLV_Success_instead_of_the_inner_identity_is_rejected()
    {
        var (server, client) = Tunnel(EapType.Peap);
        Inner(server, client, []);   // the handshake's acknowledgement: the server asks for the inner identity

        var outcome = Inner(server, client, [2, _last.EapPacket[1], 0, 11, EapType.Tlv, 0x80, 0x03, 0, 2, 0, 1]);

        Assert.Equal(EapVerdict.Reject, outcome.Verdict);
    }

    [Fact]
    public void PEAP_a_disabled_account_is_told_691_like_a_wrong_password_not_647()
    {
        var (server, client) = Tunnel(EapType.Peap);
        Inner(server, client, []);
        Inner(server, client, [EapType.Identity, .. "old.account"u8]);
        var response = new byte[128];
        Assert.True(EapMsChapV2.TryWriteResponse(response, _lastInner[2], new byte[16], new byte[24], "old.account"u8, out var written));

        Assert.Equal(EapVerdict.Challenge, Inner(server, client, [EapType.MsChapV2, .. response[..written]]).Verdict);

        Assert.Equal((byte)MsChapV2OpCode.Failure, _lastInner[1]);
        Assert.StartsWith("E=691 R=0", System.Text.Encoding.ASCII.GetString(_lastInner.AsSpan(5)), StringComparison.Ordinal);
    }

    [Fact]
    public void PEAP_a_right_response_to_another_challenge_ID_is_rejected()
    {
        var (server, client) = Tunnel(EapType.Peap);
        Inner(server, client, []);
        Inner(server, client, [EapType.Identity, .. "alice"u8]);
        var outcome = Inner(server, client, AliceRightResponse((byte)(_lastInner[2] + 1)));

        Assert.Equal(EapVerdict.Reject, outcome.Verdict);
        Assert.Equal("the MSCHAPv2 response answers another challenge", outcome.Reason);
    }

    [Fact]
    public void PEAP_an_MSCHAPv2_Success_acknowledgement_without_a_response_is_rejected()
    {
        var (server, client) = Tunnel(EapType.Peap);
        Inner(server, client, []);
        Inner(server, client, [EapType.Identity, .. "alice"u8]);   // → the MSCHAPv2 Challenge

        var outcome = Inner(server, client, [EapType.MsChapV2, (byte)MsChapV2OpCode.Success]);

        Assert.Equal(EapVerdict.Reject, outcome.Verdict);
        Assert.Equal(0, _users.Accepted);
    }

    [Fact]
    public void PEAP_Result_TLV_Success_after_a_wrong_response_is_rejected()
    {
        var (server, client) = Tunnel(EapType.Peap);
        Inner(server, client, []);
        var challenge = Inner(server, client, [EapType.Identity, .. "alice"u8]);
        Assert.Equal(EapVerdict.Challenge, challenge.Verdict);

        // A response made with the wrong password, answering the challenge's ID.
        var response = new byte[EapMsChapV2.HeaderLength + 1 + EapMsChapV2.ResponseValueSize + 5];
        EapMsChapV2.TryWriteResponse(response, _lastInner[2], new byte[16], new byte[24], "alice"u8, out var written);
        var failure = Inner(server, client, [EapType.MsChapV2, .. response[..written]]);
        Assert.Equal(EapVerdict.Challenge, failure.Verdict);   // the MSCHAPv2 Failure request

        // Skip the Failure acknowledgement and claim success in the TLV exchange.
        var outcome = Inner(server, client, [2, _last.EapPacket[1], 0, 11, EapType.Tlv, 0x80, 0x03, 0, 2, 0, 1]);
        Assert.NotEqual(EapVerdict.Accept, outcome.Verdict);
        while (outcome.Verdict == EapVerdict.Challenge)
        {
            outcome = Inner(server, client, [2, _last.EapPacket[1], 0, 11, EapType.Tlv, 0x80, 0x03, 0, 2, 0, 1]);
        }

        Assert.Equal(EapVerdict.Reject, outcome.Verdict);
    }

    [Fact]
    public void TTLS_acknowledgements_without_credentials_are_rejected()
    {
        var (server, client) = Tunnel(EapType.Ttls);

        Assert.Equal(EapVerdict.Challenge, Inner(server, client, []).Verdict);   // one empty Request asks for the AVPs
        Assert.Equal(EapVerdict.Reject, Inner(server, client, []).Verdict);
    }

    [Fact]
    public void TTLS_AVPs_that_are_neither_PAP_nor_MSCHAPv2_are_rejected()
    {
        var (server, client) = Tunnel(EapType.Ttls);
        Span<byte> avp = stackalloc byte[16];
        DiameterAvpWriter.TryWrite(avp, DiameterAvpCode.UserName, 0, mandatory: true, "alice"u8, out var written);

        Assert.Equal(EapVerdict.Reject, Inner(server, client, avp[..written].ToArray()).Verdict);
    }

    private byte[] _lastInner = [];

    // EAP-MSCHAPv2 Response (Type + Type-Data) with alice's right NT-Response to the challenge in _lastInner, under ID.
    private byte[] AliceRightResponse(byte id)
    {
        var authenticatorChallenge = _lastInner.AsSpan(6, 16).ToArray();   // Type, OpCode, ID, MS-Length(2), Value-Size, Challenge
        var peerChallenge = new byte[16];
        Span<byte> ntHash = stackalloc byte[16];
        MsChapV2.NtPasswordHash("correct horse battery", ntHash);
        var ntResponse = new byte[MsChapV2.NtResponseLength];
        MsChapV2.GenerateNtResponse(authenticatorChallenge, peerChallenge, "alice"u8, ntHash, ntResponse);
        var response = new byte[64];
        Assert.True(EapMsChapV2.TryWriteResponse(response, id, peerChallenge, ntResponse, "alice"u8, out var written));
        return [EapType.MsChapV2, .. response[..written]];
    }

    // Identity, (Nak to TTLS), then the TLS handshake through the fragments, acknowledging each: the tunnel is up.
    private (EapServer Server, TlsTunnel Client) Tunnel(byte method)
    {
        var server = new EapServer(_tls, _users, _time);
        _last = server.Handle(Response(1, EapType.Identity, "anonymous"u8.ToArray()), [], "ap");
        if (method == EapType.Ttls)
        {
            _last = server.Handle(Response(_last.EapPacket[1], EapType.Nak, [EapType.Ttls]), _last.State, "ap");
        }

        var client = TlsTunnel.Connect(_clientContext);
        client.Advance();
        var received = new ArrayBufferWriter<byte>();
        Send(server, method, Take(client));
        while (!client.IsEstablished)
        {
            var frame = _last.EapPacket.AsSpan(5);
            var withLength = (frame[0] & 0x80) != 0;
            received.Write(frame[(withLength ? 5 : 1)..]);
            if ((frame[0] & 0x40) != 0)
            {
                Send(server, method, []);   // acknowledge the fragment
                continue;
            }

            client.Feed(received.WrittenSpan);
            received.ResetWrittenCount();
            Assert.NotEqual(TlsProgress.Failed, client.Advance());
            var output = Take(client);
            if (!client.IsEstablished || output.Length > 0)
            {
                Send(server, method, output);
            }
        }

        return (server, client);
    }

    // Sends plaintext through the tunnel (empty: a bare acknowledgement) and decrypts what comes back.
    private EapOutcome Inner(EapServer server, TlsTunnel client, byte[] plaintext)
    {
        var method = _last.EapPacket[4];
        if (plaintext.Length > 0)
        {
            client.Write(plaintext);
        }

        Send(server, method, Take(client));
        if (_last.Verdict == EapVerdict.Challenge && _last.EapPacket.Length > 6)
        {
            client.Feed(_last.EapPacket.AsSpan(6));
            var decrypted = new ArrayBufferWriter<byte>();
            client.Read(decrypted);
            _lastInner = decrypted.WrittenSpan.ToArray();
        }

        return _last;
    }

    private void Send(EapServer server, byte method, byte[] tls) =>
        _last = server.Handle(Response(_last.EapPacket[1], method, [0, .. tls]), _last.State, "ap");

    private static byte[] Take(TlsTunnel tunnel)
    {
        var buffer = new ArrayBufferWriter<byte>();
        tunnel.TakeOutput(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public void Dispose()
    {
        _clientContext.Dispose();
        _tls.Dispose();
        _certificates.Dispose();
    }
}
