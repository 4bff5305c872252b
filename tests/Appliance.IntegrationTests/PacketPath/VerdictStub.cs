using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.PacketPath;

/// <summary>
/// A stand-in for the verdict loop (Python, raw NETLINK_NETFILTER, packet-path.md §1.2) that gives every queued packet
/// the same answer, as the real loop answers a flow (FilterMarks):
/// <c>allow</c> = NF_ACCEPT + mark Decided, <c>block</c> = NF_REPEAT + mark Decided|Block, <c>undecided</c> = NF_ACCEPT
/// without a mark. It proves the ruleset's side of the contract before the loop exists. It prints "bound" once bound and
/// "verdict ID" per packet.
/// </summary>
public static class VerdictStub
{
    private const string Script = """
        import socket, struct, sys
        queue, answer = int(sys.argv[1]), sys.argv[2]
        NF_ACCEPT, NF_REPEAT, DECIDED, BLOCK = 1, 4, 0x40000000, 0x20000000
        verdict, mark = {"allow": (NF_ACCEPT, DECIDED), "block": (NF_REPEAT, DECIDED | BLOCK), "undecided": (NF_ACCEPT, None)}[answer]
        QUEUE_PACKET, QUEUE_VERDICT, QUEUE_CONFIG = 3 << 8, (3 << 8) | 1, (3 << 8) | 2
        s = socket.socket(16, socket.SOCK_RAW, 12)   # AF_NETLINK, NETLINK_NETFILTER
        s.bind((0, 0))
        def attr(kind, data):
            length = 4 + len(data)
            return struct.pack("=HH", length, kind) + data + b"\0" * ((4 - length % 4) % 4)
        def send(kind, flags, body):
            s.send(struct.pack("=IHHII", 16 + 4 + len(body), kind, flags, 0, 0) + struct.pack("!BBH", 0, 0, queue) + body)
        send(QUEUE_CONFIG, 1 | 4, attr(1, struct.pack("!BBH", 1, 0, 0)))   # NFQA_CFG_CMD BIND
        send(QUEUE_CONFIG, 1 | 4, attr(2, struct.pack("!IB", 128, 2)))     # NFQA_CFG_PARAMS: copy 128 bytes of the packet
        print("bound", flush=True)
        while True:
            data = s.recv(65536)
            at = 0
            while at + 16 <= len(data):
                length, kind = struct.unpack_from("=IH", data, at)
                if kind == QUEUE_PACKET:
                    pos = at + 20
                    while pos + 4 <= at + length:
                        alen, atype = struct.unpack_from("=HH", data, pos)
                        if atype & 0x3fff == 1:   # NFQA_PACKET_HDR: be32 packet id first
                            packet = struct.unpack_from("!I", data, pos + 4)[0]
                        pos += (alen + 3) & ~3
                    body = attr(2, struct.pack("!II", verdict, packet))   # NFQA_VERDICT_HDR
                    if mark is not None:
                        body += attr(3, struct.pack("!I", mark))          # NFQA_MARK
                    send(QUEUE_VERDICT, 1, body)
                    print("verdict", packet, flush=True)
                at += (length + 3) & ~3
        """;

    /// <summary>Binds queue <paramref name="queue"/> in <paramref name="ns"/> and answers every packet with <paramref name="answer"/>.</summary>
    public static async Task<ChildProcess> StartAsync(Topology topology, string ns, int queue, string answer)
    {
        var stub = topology.Start(ns, "python3", "-u", "-c", Script, queue.ToString(System.Globalization.CultureInfo.InvariantCulture), answer);
        if (!await stub.WaitForOutputAsync(o => o.Contains("bound", StringComparison.Ordinal), TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException($"the verdict stub did not bind queue {queue} in {ns}: {stub.Output}");
        }

        return stub;
    }
}
