using System.Buffers;
using Appliance.Protocols.Radius;
using Appliance.Radius.Eap;
using Appliance.Radius.Tests.Tls;
using Appliance.Radius.Tls;
using Microsoft.Extensions.Time.Testing;
using static Appliance.Radius.Tests.Eap.EapPackets;

namespace Appliance.Radius.Tests.Eap;

/// <summary>The EAP server's conversation rules, driven by hand: what it refuses, how States are used, its caps and expiry.</summary>
public sealed class EapServerTests : IDisposable
{
    private readonly TunnelCertificateFiles _certificates = new();
    private readonly EapTlsContext _tls;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-30T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly TestDirectory _users = new TestDirectory().Add("alice", "correct horse battery");

    private readonly EapTlsContext _clientContext = EapTlsContext.CreateClient();

    public EapServerTests() => _tls = EapTlsContext.Load(_certificates.ChainPath, _certificates.KeyPath);

    [Fact]
    public void Identity_starts_PEAP_and_each_round_trip_gets_a_fresh_single_use_State()
    {
        var server = new EapServer(_tls, _users, _time);
        var start = server.Handle(Identity(7, "anonymous"), [], "ap");

        Assert.Equal(EapVerdict.Challenge, start.Verdict);
        Assert.Equal([1, 8, 0, 6, EapType.Peap, (byte)EapTlsFlags.Start], start.EapPacket);   // Request, id 8, PEAP Start, version 0
        Assert.Equal(16, start.State!.Length);

        var hello = ClientHello(out var client);
        var flight = server.Handle(Response(8, EapType.Peap, [0, .. hello]), start.State, "ap");
        Assert.Equal(EapVerdict.Challenge, flight.Verdict);
        Assert.NotEqual(start.State, flight.State);
        Assert.Equal(0xC0, flight.EapPacket[5] & 0xC0);   // the certificate flight is fragmented: L and M
        client.Dispose();

        // The same State again (a replay, or a second AP presenting it) names nothing any more.
        var replay = server.Handle(Response(8, EapType.Peap, [0, .. hello]), start.State, "ap");
        Assert.Equal(EapVerdict.Reject, replay.Verdict);
        Assert.Equal("unknown or expired State", replay.Reason);
    }

    [Fact]
    public void A_State_presented_by_another_client_entry_is_refused()
    {
        var server = new EapServer(_tls, _users, _time);
        var start = server.Handle(Identity(1, "anonymous"), [], "hall-ap");

        var stolen = server.Handle(Response(2, EapType.Peap, [0]), start.State, "gym-ap");

        Assert.Equal(EapVerdict.Reject, stolen.Verdict);
        Assert.Equal(0, server.Conversations);
    }

    [Fact]
    public void A_Nak_for_TTLS_switches_method_and_a_Nak_for_nothing_we_offer_is_refused()
    {
        var server = new EapServer(_tls, _users, _time);
        var start = server.Handle(Identity(1, "anonymous"), [], "ap");
        var ttls = server.Handle(Response(2, EapType.Nak, [EapType.Ttls]), start.State, "ap");
        Assert.Equal([1, 3, 0, 6, EapType.Ttls, (byte)EapTlsFlags.Start], ttls.EapPacket);

        var other = server.Handle(Identity(1, "anonymous"), [], "ap");
        var md5Only = server.Handle(Response(2, EapType.Nak, [EapType.Md5Challenge]), other.State, "ap");
        Assert.Equal(EapVerdict.Reject, md5Only.Verdict);
        Assert.Contains("none of our EAP methods", md5Only.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Responses_with_the_wrong_Identifier_or_type_and_conversations_not_starting_with_Identity_are_rejected()
    {
        var server = new EapServer(_tls, _users, _time);
        var start = server.Handle(Identity(1, "anonymous"), [], "ap");
        Assert.Contains("answers no request", server.Handle(Response(9, EapType.Peap, [0]), start.State, "ap").Reason, StringComparison.Ordinal);

        var again = server.Handle(Identity(1, "anonymous"), [], "ap");
        Assert.Contains("in a 25 conversation", server.Handle(Response(2, EapType.Tls, [0]), again.State, "ap").Reason, StringComparison.Ordinal);

        Assert.Equal(EapVerdict.Reject, server.Handle(Response(1, EapType.Peap, [0]), [], "ap").Verdict);
        Assert.Equal(EapVerdict.Reject, server.Handle([2, 1, 0, 9], [], "ap").Verdict);   // a length past the bytes
        Assert.Equal(0, server.Conversations);
    }

    [Fact]
    public void Conversations_are_capped_per_client_and_forgotten_when_idle()
    {
        var server = new EapServer(_tls, _users, _time, new EapLimits { PerClient = 2, Total = 3, IdleTimeout = TimeSpan.FromSeconds(30) });
        var first = server.Handle(Identity(1, "a"), [], "hall-ap");
        server.Handle(Identity(1, "b"), [], "hall-ap");

        var third = server.Handle(Identity(1, "c"), [], "hall-ap");
        Assert.Equal(EapVerdict.Reject, third.Verdict);
        Assert.Contains("too many EAP conversations", third.Reason, StringComparison.Ordinal);
        Assert.Equal(EapVerdict.Challenge, server.Handle(Identity(1, "d"), [], "gym-ap").Verdict);   // another AP is not held up
        Assert.Equal(EapVerdict.Reject, server.Handle(Identity(1, "e"), [], "office-ap").Verdict);  // the total cap
        Assert.Equal(2, server.Refused);

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(EapVerdict.Reject, server.Handle(Response(2, EapType.Peap, [0]), first.State, "hall-ap").Verdict);
        Assert.Equal(EapVerdict.Challenge, server.Handle(Identity(1, "f"), [], "hall-ap").Verdict);   // the idle ones were swept
        Assert.Equal(1, server.Conversations);
    }

    [Fact]
    public void A_device_that_starts_again_replaces_its_own_conversation_and_no_one_elses()
    {
        var server = new EapServer(_tls, _users, _time);
        var first = server.Handle(Identity(1, "anonymous"), [], "controller", "02-00-00-00-00-01");
        var other = server.Handle(Identity(1, "anonymous"), [], "controller", "02-00-00-00-00-02");
        var again = server.Handle(Identity(1, "anonymous"), [], "controller", "02-00-00-00-00-01");

        Assert.Equal(2, server.Conversations);
        Assert.Equal(1, server.Replaced);
        Assert.Equal(EapVerdict.Reject, server.Handle(Response(2, EapType.Peap, [0]), first.State, "controller").Verdict);
        Assert.Equal(EapVerdict.Challenge, server.Handle(Response(2, EapType.Nak, [EapType.Ttls]), again.State, "controller", "02-00-00-00-00-01").Verdict);
        Assert.Equal(EapVerdict.Challenge, server.Handle(Response(2, EapType.Nak, [EapType.Ttls]), other.State, "controller", "02-00-00-00-00-02").Verdict);
    }

    [Fact]
    public void A_peer_message_announced_over_16_KiB_is_refused()
    {
        var server = new EapServer(_tls, _users, _time);
        var start = server.Handle(Identity(1, "anonymous"), [], "ap");
        // L and M set, announcing 20,000 octets: PEAP peers send no certificate, so this is no ClientHello.
        var outcome = server.Handle(Response(2, EapType.Peap, [0xC0, 0, 0, 0x4E, 0x20, .. new byte[900]]), start.State, "ap");

        Assert.Equal(EapVerdict.Reject, outcome.Verdict);
        Assert.Equal("malformed EAP-TLS framing", outcome.Reason);
    }

    [Fact]
    public void A_peer_that_keeps_acknowledging_runs_into_the_round_trip_cap()
    {
        var server = new EapServer(_tls, _users, _time, new EapLimits { MaxRoundTrips = 2 });
        var outcome = server.Handle(Identity(1, "anonymous"), [], "ap");
        var hello = ClientHello(out var client);
        client.Dispose();
        var id = (byte)2;
        outcome = server.Handle(Response(id, EapType.Peap, [0, .. hello]), outcome.State, "ap");
        for (var i = 0; i < 5 && outcome.Verdict == EapVerdict.Challenge; i++)
        {
            id = outcome.EapPacket[1];
            outcome = server.Handle(Response(id, EapType.Peap, [0]), outcome.State, "ap");   // an empty ack, over and over
        }

        Assert.Equal(EapVerdict.Reject, outcome.Verdict);
        Assert.Equal("too many EAP round trips", outcome.Reason);   // the hello, one ack, then the cap
    }

    private byte[] ClientHello(out TlsTunnel client)
    {
        client = TlsTunnel.Connect(_clientContext);
        client.Advance();
        var buffer = new ArrayBufferWriter<byte>();
        client.TakeOutput(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public void Dispose()
    {
        _clientContext.Dispose();
        _tls.Dispose();
        _certificates.Dispose();
    }
}
