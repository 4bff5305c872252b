using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.PacketFilter.Inspection;
using Appliance.PacketFilter.Queue;
using Appliance.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.PacketFilter.Tests.Inspection;

/// <summary>The inspector on built packets: names judged as DNS would judge them, segments and records reassembled, the unnamed-flow policy.</summary>
public sealed class FlowInspectorTests
{
    private const string Client = "192.0.2.10";
    private const string Server = "203.0.113.5";
    private const uint Isn = 1000;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));
    private readonly EventRing<QueryEvent> _events = new(64);

    [Fact]
    public void A_ClientHello_naming_a_blocked_site_is_reset_and_logged_like_a_DNS_block()
    {
        var inspector = Inspector();
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn, PacketBuilder.Syn, []));
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, Hellos.Stream("www.Games.example")));
        // A packet queued before the connection mark took effect gets the same verdict.
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40000, Isn + 100, PacketBuilder.Ack, "x"u8));

        var e = SingleEvent();
        Assert.Equal(RequestSource.TlsSni, e.Source);
        Assert.Equal(ReasonCode.DnsBlockedCategory, e.Reason);
        Assert.Equal("www.games.example", Name(e));
        Assert.True((e.Flags & QueryEventFlags.Blocked) != 0);
        Assert.Equal(Categories.Bit(Category.Games), e.Categories);
    }

    [Fact]
    public void An_allowed_name_gets_the_decided_mark()
    {
        var inspector = Inspector();
        Send(inspector, 40000, Isn, PacketBuilder.Syn, []);
        Assert.Equal(PacketVerdict.Allow, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, Hellos.Stream("homework.example")));
        Assert.Equal(ReasonCode.DnsAllowedDefault, SingleEvent().Reason);
    }

    [Fact]
    public void A_ClientHello_in_one_byte_records_and_out_of_order_segments_is_still_decided_on_its_last_byte()
    {
        var inspector = Inspector();
        var stream = Hellos.Stream("games.example", recordSize: 1);
        Send(inspector, 40000, Isn, PacketBuilder.Syn, []);
        var third = stream.Length / 3;
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn + 1 + (uint)(2 * third), PacketBuilder.Ack, stream.AsSpan(2 * third)));
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, stream.AsSpan(0, third)));
        Assert.Empty(Drain());
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40000, Isn + 1 + (uint)third, PacketBuilder.Ack, stream.AsSpan(third, third)));
        Assert.Equal("games.example", Name(SingleEvent()));
    }

    [Fact]
    public void A_new_connection_on_a_remembered_5_tuple_is_judged_afresh()
    {
        var inspector = Inspector();
        Send(inspector, 40000, Isn, PacketBuilder.Syn, []);
        Assert.Equal(PacketVerdict.Allow, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, Hellos.Stream("lesson.example")));

        // The client reuses its port within the idle time: a fresh SYN, then a hello naming a blocked site.
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn + 5000, PacketBuilder.Syn, []));
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40000, Isn + 5001, PacketBuilder.Ack, Hellos.Stream("games.example")));
        Assert.Equal(["lesson.example", "games.example"], Drain().Select(e => Name(e)));
    }

    [Fact]
    public void A_plain_HTTP_Host_is_judged_too()
    {
        var inspector = Inspector();
        Send(inspector, 40000, Isn, PacketBuilder.Syn, [], port: 80);
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, "GET / HTTP/1.1\r\nHo"u8, port: 80));
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40000, Isn + 19, PacketBuilder.Ack, "st: games.example:80\r\n\r\n"u8, port: 80));
        var e = SingleEvent();
        Assert.Equal(RequestSource.HttpHost, e.Source);
        Assert.Equal("games.example", Name(e));
    }

    [Theory]
    [InlineData(UnnamedFlowPolicy.Lenient, PacketVerdict.Allow, ReasonCode.PacketUnnamedAllowed)]
    [InlineData(UnnamedFlowPolicy.Strict, PacketVerdict.Block, ReasonCode.PacketUnnamedBlocked)]
    public void A_flow_that_shows_no_name_follows_the_unnamed_policy(UnnamedFlowPolicy policy, PacketVerdict expected, ReasonCode reason)
    {
        var inspector = Inspector(new InspectionOptions { UnnamedFlows = policy });
        Send(inspector, 40000, Isn, PacketBuilder.Syn, []);
        Assert.Equal(expected, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, "SSH-2.0-OpenSSH_9.2\r\n"u8));
        Assert.Equal(reason, SingleEvent().Reason);

        Send(inspector, 40001, Isn, PacketBuilder.Syn, []);
        Assert.Equal(expected, Send(inspector, 40001, Isn + 1, PacketBuilder.Ack, Hellos.Stream(serverName: null)));   // no SNI
        Assert.Equal(reason, SingleEvent().Reason);
    }

    [Theory]
    [InlineData(UnnamedFlowPolicy.Lenient, PacketVerdict.Allow, ReasonCode.PacketUnreadableAllowed)]
    [InlineData(UnnamedFlowPolicy.Strict, PacketVerdict.Block, ReasonCode.PacketUnreadableBlocked)]
    public void A_ClientHello_that_never_completes_within_the_packet_cap_is_unreadable(UnnamedFlowPolicy policy, PacketVerdict expected, ReasonCode reason)
    {
        var inspector = Inspector(new InspectionOptions { UnreadableFlows = policy, MaxPackets = 4 });
        var stream = Hellos.Stream("games.example", padding: 2000);
        Send(inspector, 40000, Isn, PacketBuilder.Syn, []);
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, stream.AsSpan(0, 10)));
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn + 11, PacketBuilder.Ack, stream.AsSpan(10, 10)));
        Assert.Equal(expected, Send(inspector, 40000, Isn + 21, PacketBuilder.Ack, stream.AsSpan(20, 10)));
        Assert.Equal(reason, SingleEvent().Reason);
    }

    [Fact]
    public void A_statutory_name_is_reset_and_never_logged_in_clear()
    {
        var locked = new DomainSetBuilder();
        locked.Add("abuse.example", Categories.Bit(Category.StatutoryIwf));
        var inspector = Inspector(policy: new PolicySnapshotSource(locked: locked.Build()));
        Send(inspector, 40000, Isn, PacketBuilder.Syn, []);
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, Hellos.Stream("abuse.example")));
        var e = SingleEvent();
        Assert.Equal(ReasonCode.DnsBlockedStatutory, e.Reason);
        Assert.DoesNotContain("abuse", Name(e), StringComparison.Ordinal);
    }

    [Fact]
    public void In_monitor_mode_nothing_is_enforced_and_the_event_says_so()
    {
        var inspector = Inspector(new InspectionOptions { Enforce = false });
        Send(inspector, 40000, Isn, PacketBuilder.Syn, []);
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, Hellos.Stream("games.example")));
        var e = SingleEvent();
        Assert.Equal(QueryEventFlags.NotEnforced, e.Flags);   // what would have been blocked, by its reason, but not a block
        Assert.Equal(ReasonCode.DnsBlockedCategory, e.Reason);
    }

    [Fact]
    public void Unreadable_flows_are_reset_by_default_even_where_unnamed_ones_pass()
    {
        var inspector = Inspector();   // unnamed: lenient, unreadable: strict
        Send(inspector, 40000, Isn, PacketBuilder.Syn, []);
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, "GET / HTTP/1.1\r\nHost: games.example\r\nX: a\u0001b\r\n\r\n"u8));
        Assert.Equal(ReasonCode.PacketUnreadableBlocked, SingleEvent().Reason);   // a control byte in a header: Malformed
    }

    [Fact]
    public void Pure_ACKs_count_towards_the_cap_so_padding_cannot_outlast_the_queueing()
    {
        var inspector = Inspector(new InspectionOptions { MaxPackets = 5 });
        Send(inspector, 40000, Isn, PacketBuilder.Syn, []);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, []));
        }

        Assert.Equal(PacketVerdict.Block, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, []));   // the 5th: the kernel sends no more
        Assert.Equal(ReasonCode.PacketUnreadableBlocked, SingleEvent().Reason);
    }

    [Fact]
    public void A_flow_first_seen_mid_stream_is_unreadable_not_a_new_start()
    {
        var inspector = Inspector();
        var stream = Hellos.Stream("games.example");
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, stream.AsSpan(0, 20)));
        Assert.Equal(ReasonCode.PacketUnreadableBlocked, SingleEvent().Reason);
    }

    [Fact]
    public void A_ClientHello_on_the_SYN_itself_is_judged_TCP_Fast_Open()
    {
        var inspector = Inspector();
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40000, Isn, PacketBuilder.Syn, Hellos.Stream("games.example")));
        Assert.Equal("games.example", Name(SingleEvent()));
    }

    [Fact]
    public void A_queued_packet_that_cannot_be_read_is_blocked_inline_so_its_connection_is_refused()
    {
        var inspector = Inspector();
        var cut = PacketBuilder.Tcp(Client, 40000, Server, 443, Isn, PacketBuilder.Syn, [])[..30];
        Assert.Equal(PacketVerdict.Block, inspector.Inspect(cut));
        Assert.Equal(1, inspector.Counters.NotIp);
    }

    [Fact]
    public void A_retransmitted_SYN_is_counted_and_changes_nothing_but_a_forged_restart_is_unreadable()
    {
        var inspector = Inspector();
        Send(inspector, 40000, Isn, PacketBuilder.Syn, []);
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn, PacketBuilder.Syn, []));   // lossy Wi-Fi: the same SYN again
        Assert.Equal(PacketVerdict.Allow, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, Hellos.Stream("lesson.example")));

        Send(inspector, 40001, Isn, PacketBuilder.Syn, []);
        Send(inspector, 40001, Isn + 1, PacketBuilder.Ack, []);
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40001, Isn + 90_000, PacketBuilder.Syn, []));   // a new start mid-read
        Assert.Equal(ReasonCode.PacketUnreadableBlocked, Drain().Last().Reason);
    }

    [Fact]
    public void An_allowed_hello_on_the_SYN_decides_nothing_the_hello_after_the_handshake_is_judged()
    {
        // A server without a TFO cookie drops the SYN's data; a hello for an allowed site there must not stand in for
        // the one the client sends after the handshake.
        var inspector = Inspector();
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn, PacketBuilder.Syn, Hellos.Stream("lesson.example")));
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, Hellos.Stream("games.example")));
        Assert.Equal("games.example", Name(SingleEvent()));
    }

    [Fact]
    public void The_close_of_a_forgotten_flow_passes_without_a_judgement()
    {
        var inspector = Inspector();
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40000, Isn + 500, PacketBuilder.Ack | 0x04, []));   // RST
        Assert.Equal(PacketVerdict.Pass, Send(inspector, 40001, Isn + 500, PacketBuilder.Ack | 0x01, []));   // FIN
        Assert.Empty(Drain());
        Assert.Equal(0, inspector.FlowTableState.Held);
    }

    [Fact]
    public void A_QUIC_Initial_split_over_two_datagrams_is_judged_by_its_SNI_and_a_blocked_one_refused()
    {
        var inspector = Inspector();
        byte[] dcid = [1, 2, 3, 4, 5, 6, 7, 8];
        var hello = Hellos.Message("games.example");
        var half = hello.Length / 2;
        var second = InitialPackets.ProtectPadded(1, dcid, InitialPackets.Crypto(half, hello.AsSpan(half)), packetNumber: 1);
        var first = InitialPackets.ProtectPadded(1, dcid, InitialPackets.Crypto(0, hello.AsSpan(0, half)), packetNumber: 0);

        Assert.Equal(PacketVerdict.Pass, inspector.Inspect(PacketBuilder.Udp(Client, 50000, Server, 443, second)));   // out of order
        Assert.Equal(PacketVerdict.Block, inspector.Inspect(PacketBuilder.Udp(Client, 50000, Server, 443, first)));
        var e = SingleEvent();
        Assert.Equal(RequestSource.QuicSni, e.Source);
        Assert.Equal(ReasonCode.DnsBlockedCategory, e.Reason);
        Assert.Equal("games.example", Name(e));

        var allowed = InitialPackets.ProtectPadded(1, dcid, InitialPackets.Crypto(0, Hellos.Message("lesson.example")));
        Assert.Equal(PacketVerdict.Allow, inspector.Inspect(PacketBuilder.Udp(Client, 50001, Server, 443, allowed)));
    }

    [Fact]
    public void QUIC_that_cannot_be_read_is_refused_so_the_browser_falls_back_to_TCP()
    {
        var inspector = Inspector();
        var initial = InitialPackets.ProtectPadded(1, [9, 9, 9, 9], InitialPackets.Crypto(0, Hellos.Message("lesson.example")));
        initial[^1] ^= 0xff;   // the AEAD tag no longer matches
        Assert.Equal(PacketVerdict.Block, inspector.Inspect(PacketBuilder.Udp(Client, 50000, Server, 443, initial)));
        Assert.Equal(PacketVerdict.Block, inspector.Inspect(PacketBuilder.Udp(Client, 50001, Server, 443, "not quic at all"u8)));
        Assert.All(Drain(), e => Assert.Equal(ReasonCode.PacketQuicUnreadable, e.Reason));
        Assert.Equal(2, inspector.Counters.Unreadable);
    }

    [Fact]
    public void Monitor_mode_logs_the_question_of_a_DNS_answer_with_what_the_policy_would_have_done()
    {
        var inspector = Inspector(new InspectionOptions { Enforce = false });
        byte[] answer = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 5, .. "games"u8, 7, .. "example"u8, 0, 0, 1, 0, 1];
        Assert.True(inspector.ObserveDnsAnswer(PacketBuilder.Udp(Server, 53, Client, 40000, answer)));
        Assert.False(inspector.ObserveDnsAnswer(PacketBuilder.Udp(Client, 40000, Server, 53, answer.AsSpan(0, 6))));
        Assert.False(inspector.ObserveDnsAnswer(PacketBuilder.Udp(Server, 5353, Client, 40000, answer)));   // not from port 53
        Assert.Equal(PacketVerdict.Pass, inspector.Inspect(PacketBuilder.Udp(Server, 53, Client, 40000, answer.AsSpan(0, 6))));   // not QUIC either
        var e = SingleEvent();
        Assert.Equal(RequestSource.DnsUdp, e.Source);
        Assert.Equal("games.example", Name(e));
        Assert.Equal(Client, e.Client.ToIPAddress().ToString());   // the answer's destination is the client
        Assert.Equal(QueryEventFlags.NotEnforced, e.Flags);
        Assert.Equal(ReasonCode.DnsBlockedCategory, e.Reason);
    }

    [Fact]
    public void A_lesson_hosts_ClientHello_is_accepted_during_its_window_and_reset_after_it()
    {
        // The inspector asks the same engine as the resolver, so a lesson window (issue 9) lifts the category for SNI too.
        var engine = new PolicySnapshotSource().Engine();
        var now = _time.GetUtcNow();
        engine.SwapLessons(LessonAllowTable.Build([new LessonWindow("games-club", ["games.example"], "default", null, now, now.AddHours(1))]));
        var inspector = new FlowInspector(engine, null, _events, _time, new InspectionOptions());

        Send(inspector, 40000, Isn, PacketBuilder.Syn, []);
        Assert.Equal(PacketVerdict.Allow, Send(inspector, 40000, Isn + 1, PacketBuilder.Ack, Hellos.Stream("www.games.example")));
        Assert.Equal(ReasonCode.DnsAllowedLesson, SingleEvent().Reason);

        _time.Advance(TimeSpan.FromHours(1));   // the window's end is exclusive
        Send(inspector, 40001, Isn, PacketBuilder.Syn, []);
        Assert.Equal(PacketVerdict.Block, Send(inspector, 40001, Isn + 1, PacketBuilder.Ack, Hellos.Stream("www.games.example")));
        Assert.Equal(ReasonCode.DnsBlockedCategory, SingleEvent().Reason);
    }

    [Fact]
    public void Judging_flows_allocates_nothing_once_warm()
    {
        var inspector = Inspector(new InspectionOptions { FlowCapacity = 1024 });
        var syn = new byte[2000][];
        var hello = new byte[2000][];
        var payload = Hellos.Stream("www.games.example");
        for (var i = 0; i < syn.Length; i++)
        {
            syn[i] = PacketBuilder.Tcp(Client, (ushort)(20000 + i), Server, 443, Isn, PacketBuilder.Syn, []);
            hello[i] = PacketBuilder.Tcp(Client, (ushort)(20000 + i), Server, 443, Isn + 1, PacketBuilder.Ack, payload);
        }

        void Round()
        {
            for (var i = 0; i < syn.Length; i++)
            {
                inspector.Inspect(syn[i]);
                inspector.Inspect(hello[i]);
                _events.TryRead(out _);
            }
        }

        Round();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Round();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes for {syn.Length} flows");
    }

    private FlowInspector Inspector(InspectionOptions? options = null, PolicySnapshotSource? policy = null) =>
        new((policy ?? new PolicySnapshotSource()).Engine(), null, _events, _time, options ?? new InspectionOptions());

    private static PacketVerdict Send(FlowInspector inspector, ushort clientPort, uint sequence, byte flags, ReadOnlySpan<byte> payload, ushort port = 443) =>
        inspector.Inspect(PacketBuilder.Tcp(Client, clientPort, Server, port, sequence, flags, payload));

    private List<QueryEvent> Drain()
    {
        var list = new List<QueryEvent>();
        while (_events.TryRead(out var e))
        {
            list.Add(e);
        }

        return list;
    }

    private QueryEvent SingleEvent() => Assert.Single(Drain());

    private static string Name(in QueryEvent e) => Appliance.Protocols.Dns.DnsName.ToSearchText(e.WireName);

    /// <summary>One group that blocks games, with an optional locked statutory list.</summary>
    private sealed class PolicySnapshotSource(DomainSet? locked = null)
    {
        public PolicyEngine Engine()
        {
            var lists = new DomainSetBuilder();
            lists.Add("games.example", Categories.Bit(Category.Games));
            var document = new PolicyDocument { Groups = [new GroupDefinition { Name = "default", BlockedCategories = ["games"] }] };
            return new PolicyEngine(PolicyCompiler.Compile(document, new PolicyLists(lists.Build(), DomainSet.Empty, locked ?? DomainSet.Empty), 1));
        }
    }
}
