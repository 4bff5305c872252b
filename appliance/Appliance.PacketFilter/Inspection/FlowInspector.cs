using Appliance.Core.Events;
using Appliance.Core.Identity;
using Appliance.Core.Policy;
using Appliance.PacketFilter.Flows;
using Appliance.PacketFilter.Packets;
using Appliance.PacketFilter.Queue;
using Appliance.Protocols;
using Appliance.Protocols.Dns;
using Appliance.Protocols.Http;
using Appliance.Protocols.Tls;

namespace Appliance.PacketFilter.Inspection;

/// <summary>
/// Judges the first packets of TCP 80/443 flows by the name they show (DESIGN §3): the TLS ClientHello's SNI or the
/// HTTP Host, reassembled across segments and records, decided by <see cref="PolicyEngine.Decide(in RequestFacts)"/> with the client's
/// identity exactly as a DNS query for that name would be, and logged to the same event ring with the same reason
/// codes. A flow is held until its name is whole (each partial segment passes undecided), then allowed with the
/// decided mark or reset. One inspector per queue worker: not thread-safe, allocation-free once warm.
/// </summary>
public sealed partial class FlowInspector : IPacketJudge, IDisposable
{
    private static readonly byte[] RootName = [0];

    private readonly PolicyEngine _policy;
    private readonly IIdentityMap _identities;
    private readonly EventRing<QueryEvent>? _events;
    private readonly TimeProvider _time;
    private readonly InspectionOptions _options;
    private readonly FlowTable _flows;
    private readonly byte[] _scratch = new byte[ClientHelloScanner.MaxHandshakeBytes];
    private readonly byte[] _wireName = new byte[DnsLimits.MaxNameLength];
    private readonly byte[] _loggedName = new byte[DnsLimits.MaxNameLength];
    private readonly byte[] _redactionKey;

    public FlowInspector(PolicyEngine policy, IIdentityMap? identities, EventRing<QueryEvent>? events, TimeProvider time, InspectionOptions options)
    {
        _policy = policy;
        _identities = identities ?? NoIdentities.Instance;
        _events = events;
        _time = time;
        _options = options;
        _flows = new FlowTable(options.FlowCapacity, options.FlowIdle, time);
        _redactionKey = options.StatutoryLogKey ?? StatutoryRedaction.NewKey();
    }

    public InspectionCounters Counters { get; } = new();

    /// <summary>Flows held now, and how many were dropped to make room or after going idle.</summary>
    public (int Held, long Evicted, long Expired) FlowTableState => (_flows.Count, _flows.Evicted, _flows.Expired);

    public PacketVerdict Judge(in QueuedPacket packet) => Inspect(packet.Payload);

    /// <summary>Gives back the buffers and QUIC decoders of flows still being read.</summary>
    public void Dispose() => _flows.Clear();

    /// <summary>Judges one packet from its IP header on (an NFQUEUE payload, or a mirrored packet in monitor mode).</summary>
    public PacketVerdict Inspect(ReadOnlySpan<byte> ip)
    {
        if (!TransportPacket.TryRead(ip, out var packet))
        {
            // The ruleset queues only whole TCP 80/443 and UDP 443 packets (conntrack has reassembled fragments): one we
            // cannot read was made that way. Blocked, not dropped: the block mark goes into the connection mark, so the
            // rest of that connection is refused too, though we cannot tell which flow it is.
            Counters.NotIpField++;
            return Enforced(PacketVerdict.Block);
        }

        var tcp = packet.Key.Protocol == TransportPacket.Tcp;
        if (!tcp && packet.Key.Server.Port != 443)
        {
            return PacketVerdict.Pass;   // monitor mode's DNS answers that could not be read: not QUIC
        }

        ref var flow = ref _flows.GetOrAdd(packet.Key, _time.GetTimestamp(), out var created);
        if (created)
        {
            Counters.FlowsField++;
        }
        else if (tcp && packet.Has(TransportPacket.Syn) && !packet.Has(TransportPacket.Ack) && flow.Phase == FlowPhase.Decided)
        {
            // A new connection on a 5-tuple we still remember (ports are reused quickly): conntrack made a new entry, or
            // its connection mark would have kept this SYN from us. Judge it afresh. A SYN while a flow is still being
            // read is a retransmission (counted below, as the kernel counts it) or a forged restart (InspectTcp).
            flow.Restart();
        }

        flow.Packets = (byte)Math.Min(flow.Packets + 1, byte.MaxValue);   // every queued packet counts, as connbytes counts them
        if (flow.Phase == FlowPhase.Decided)
        {
            return Enforced(flow.Verdict);   // queued before the connection mark was saved: same answer
        }

        return tcp ? InspectTcp(ref flow, packet) : InspectQuic(ref flow, packet);
    }

    private PacketVerdict InspectTcp(ref Flow flow, in TransportPacket packet)
    {
        var source = !packet.Payload.IsEmpty && packet.Payload[0] != 0x16 ? RequestSource.HttpHost : RequestSource.TlsSni;
        if (packet.Has(TransportPacket.Syn))
        {
            if (flow.Packets > 1 && !flow.Stream.StartsAt(packet.Sequence))
            {
                return Settle(ref flow, Unreadable(), source);   // a second start for a flow being read: a forged restart
            }

            flow.Stream.Start(packet.Sequence);

            // Data on a SYN (TCP Fast Open, RFC 7413) is acted on only if it names a blocked site: a server without a
            // valid cookie throws it away, so a hello for an allowed site there could stand in for a different one sent
            // after the handshake. That one is judged as usual.
            return packet.Payload.IsEmpty ? Wait(ref flow, source) : JudgeSynData(ref flow, packet.Payload, source);
        }

        if (flow.Packets == 1)
        {
            if (packet.Payload.IsEmpty && (packet.Has(TransportPacket.Rst) || packet.Has(TransportPacket.Fin)))
            {
                _flows.Remove(packet.Key);   // the close of a flow we have forgotten: nothing to judge
                return PacketVerdict.Pass;
            }

            // The first packet we see is not a SYN: we lost the flow (idle, evicted, or the box restarted) and cannot
            // tell where the stream starts, and a client must not get a second start by pausing mid-hello.
            return Settle(ref flow, Unreadable(), source);
        }

        // RSTs change nothing here: the flow goes idle, and a client that keeps sending after its own RST is still judged.
        if (packet.Payload.IsEmpty)
        {
            return Wait(ref flow, source);
        }

        return flow.Stream.Add(packet.Sequence, packet.Payload) == SegmentResult.Stored
            ? ReadName(ref flow)
            : Settle(ref flow, Unreadable(), source);
    }

    private PacketVerdict JudgeSynData(ref Flow flow, ReadOnlySpan<byte> data, RequestSource source)
    {
        ParseStatus status;
        ReadOnlySpan<byte> name;
        if (source == RequestSource.TlsSni)
        {
            status = ClientHelloScanner.Scan(data, _scratch, out var hello);
            name = status == ParseStatus.Ok && hello.HasServerName ? hello.ServerName : [];
        }
        else
        {
            status = HttpRequestHead.TryReadHost(data, out name);
        }

        if (status == ParseStatus.Ok && !name.IsEmpty && DnsName.TryEncodeHostName(name, _wireName, out var written))
        {
            var wire = _wireName.AsSpan(0, written);
            var verdict = Decide(flow.Key, wire, source);
            if (verdict.Action is VerdictAction.Block or VerdictAction.NxDomain)
            {
                Counters.NamedField++;
                return Settle(ref flow, verdict with { Action = VerdictAction.Block }, source, wire);
            }
        }

        return Wait(ref flow, source);
    }

    private PacketVerdict Enforced(PacketVerdict verdict) => _options.Enforce ? verdict : PacketVerdict.Pass;

    private PacketVerdict ReadName(ref Flow flow)
    {
        var data = flow.Stream.Prefix;
        if (data.IsEmpty)
        {
            return Wait(ref flow, RequestSource.TlsSni);   // only out-of-order bytes so far
        }

        ParseStatus status;
        ReadOnlySpan<byte> name;
        RequestSource source;
        if (data[0] == 0x16)
        {
            source = RequestSource.TlsSni;
            status = ClientHelloScanner.Scan(data, _scratch, out var hello);
            name = status == ParseStatus.Ok && hello.HasServerName ? hello.ServerName : [];
        }
        else
        {
            source = RequestSource.HttpHost;
            status = HttpRequestHead.TryReadHost(data, out name);
        }

        return status switch
        {
            ParseStatus.Ok when !name.IsEmpty && !DnsName.IsIpLiteral(name) => JudgeName(ref flow, name, source),
            ParseStatus.Ok or ParseStatus.NotThisProtocol => Settle(ref flow, Unnamed(), source),
            ParseStatus.NeedMoreData => Wait(ref flow, source),
            _ => Settle(ref flow, Unreadable(), source),
        };
    }

    // Undecided: pass this packet and wait for the next, unless this was the last packet the ruleset sends us (after
    // it the kernel stops queueing the flow, and whatever follows would pass unjudged).
    private PacketVerdict Wait(ref Flow flow, RequestSource source) =>
        flow.Packets >= _options.MaxPackets ? Settle(ref flow, Unreadable(), source) : PacketVerdict.Pass;

    private PacketVerdict JudgeName(ref Flow flow, ReadOnlySpan<byte> name, RequestSource source)
    {
        if (!DnsName.TryEncodeHostName(name, _wireName, out var written))
        {
            return Settle(ref flow, Unreadable(), source);   // not a host name: spaces, NUL, an empty label…
        }

        var wire = _wireName.AsSpan(0, written);
        Counters.NamedField++;
        var verdict = Decide(flow.Key, wire, source);

        // A canary's NXDOMAIN (Private Relay's mask.icloud.com) means "keep this off": the connection is reset too.
        // A safe-search rewrite is the resolver's business: the flow to the rewritten address is allowed.
        var blocked = verdict.Action is VerdictAction.Block or VerdictAction.NxDomain;
        return Settle(ref flow, verdict with { Action = blocked ? VerdictAction.Block : VerdictAction.Allow }, source, wire);
    }

    private byte GroupOf(in FlowKey key, RequestSource source)
    {
        _identities.TryResolve(key.Client, out var identity);
        return (byte)PolicyEngine.GroupOf(_policy.Snapshot, new RequestFacts(RootName, 0, key.Client, source, _time.GetUtcNow(), identity));
    }

    private Verdict Decide(in FlowKey key, ReadOnlySpan<byte> wireName, RequestSource source)
    {
        var client = key.Client;
        _identities.TryResolve(client, out var identity);
        return _policy.Decide(new RequestFacts(wireName, 0, client, source, _time.GetUtcNow(), identity));
    }

    private Verdict Unnamed() => _options.UnnamedFlows == UnnamedFlowPolicy.Strict
        ? new Verdict(VerdictAction.Block, ReasonCode.PacketUnnamedBlocked)
        : new Verdict(VerdictAction.Allow, ReasonCode.PacketUnnamedAllowed);

    private Verdict Unreadable() => _options.UnreadableFlows == UnnamedFlowPolicy.Strict
        ? new Verdict(VerdictAction.Block, ReasonCode.PacketUnreadableBlocked)
        : new Verdict(VerdictAction.Allow, ReasonCode.PacketUnreadableAllowed);

    private PacketVerdict Settle(ref Flow flow, in Verdict verdict, RequestSource source, ReadOnlySpan<byte> wireName = default)
    {
        var blocked = verdict.Action == VerdictAction.Block;
        if (verdict.Reason is ReasonCode.PacketUnnamedAllowed or ReasonCode.PacketUnnamedBlocked)
        {
            Counters.UnnamedField++;
        }
        else if (verdict.Reason is ReasonCode.PacketUnreadableAllowed or ReasonCode.PacketUnreadableBlocked or ReasonCode.PacketQuicUnreadable)
        {
            Counters.UnreadableField++;
        }

        if (blocked)
        {
            Counters.BlockedField++;
        }

        var group = wireName.IsEmpty ? GroupOf(flow.Key, source) : verdict.Group;
        Log(flow.Key, verdict, group, source, wireName);
        flow.Phase = FlowPhase.Decided;

        // UDP too: the repeated packet meets the ruleset's ICMP-unreachable rule and the connmark keeps rejecting the
        // flow after the packets we are sent run out (a silent drop would only last as long as the queueing does).
        flow.Verdict = blocked ? PacketVerdict.Block : PacketVerdict.Allow;
        flow.Release();
        return Enforced(flow.Verdict);
    }

    private void Log(in FlowKey key, in Verdict verdict, byte group, RequestSource source, ReadOnlySpan<byte> wireName) =>
        _events?.TryWrite(NewEvent(key.Client, verdict, verdict.Action == VerdictAction.Block, group, source, wireName));

    private QueryEvent NewEvent(in Appliance.Core.Net.ClientAddress client, in Verdict verdict, bool blocked, byte group, RequestSource source, ReadOnlySpan<byte> wireName)
    {
        // Monitor mode: the reason says what the policy would have done, but nothing was blocked, so the event is not
        // flagged Blocked (alerts, reports and the LA's block stream count only what was enforced).
        var flags = !_options.Enforce ? QueryEventFlags.NotEnforced : blocked ? QueryEventFlags.Blocked : QueryEventFlags.None;
        var e = new QueryEvent
        {
            Time = _time.GetUtcNow(),
            Client = client,
            Reason = verdict.Reason,
            Flags = flags,
            Group = group,
            Categories = verdict.Categories,
            Source = source,
        };

        // Statutory-list names are never logged in clear (DESIGN §5), here as in the resolver.
        e.SetName(verdict.Reason == ReasonCode.DnsBlockedStatutory
            ? _loggedName.AsSpan(0, StatutoryRedaction.Write(_redactionKey, wireName, verdict.Categories, _loggedName))
            : wireName);
        return e;
    }
}
