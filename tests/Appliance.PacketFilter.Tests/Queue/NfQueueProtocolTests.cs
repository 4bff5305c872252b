using System.Buffers.Binary;
using Appliance.PacketFilter.Queue;

namespace Appliance.PacketFilter.Tests.Queue;

/// <summary>
/// The nfnetlink_queue messages byte by byte (include/uapi/linux/netfilter/nfnetlink_queue.h): host-order netlink
/// header, big-endian queue number and attribute values, 4-byte attribute padding.
/// </summary>
public sealed class NfQueueProtocolTests
{
    [Fact]
    public void A_verdict_with_a_mark_is_laid_out_as_the_kernel_reads_it()
    {
        var buffer = new byte[NfQueueProtocol.MaxVerdictLength];
        var n = NfQueueProtocol.WriteVerdict(buffer, queue: 3, packetId: 0x01020304, NfQueueProtocol.NfRepeat, mark: 0x60000001);

        Assert.Equal(NfQueueProtocol.MaxVerdictLength, n);
        Assert.Equal((uint)n, BinaryPrimitives.ReadUInt32LittleEndian(buffer));             // nlmsg_len
        Assert.Equal(0x0301, BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(4)));    // NFQNL_MSG_VERDICT
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(6)));         // NLM_F_REQUEST
        Assert.Equal(3, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(18)));            // res_id: the queue, big-endian
        Assert.Equal([12, 0, 2, 0], buffer[20..24]);                                         // NFQA_VERDICT_HDR, 4 + 8 bytes
        Assert.Equal(4u, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(24)));           // NF_REPEAT
        Assert.Equal(0x01020304u, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(28)));  // packet id
        Assert.Equal([8, 0, 3, 0], buffer[32..36]);                                          // NFQA_MARK
        Assert.Equal(0x60000001u, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(36)));
    }

    [Fact]
    public void The_bind_request_carries_the_command_then_the_packed_parameters_and_the_flags()
    {
        var buffer = new byte[128];
        var n = NfQueueProtocol.WriteBind(buffer, sequence: 1, queue: 0, copyRange: 4096, maxLength: 1024, NfQueueProtocol.FlagFailOpen | NfQueueProtocol.FlagGso);

        Assert.Equal(0x0302, BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(4)));    // NFQNL_MSG_CONFIG
        Assert.Equal(5, BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(6)));         // REQUEST | ACK
        Assert.Equal([8, 0, 1, 0, 1, 0, 0, 0], buffer[20..28]);                              // NFQA_CFG_CMD: BIND
        Assert.Equal([9, 0, 2, 0, 0, 0, 0x10, 0, 2, 0, 0, 0], buffer[28..40]);               // NFQA_CFG_PARAMS: be32 4096, COPY_PACKET, padded
        Assert.Equal(1024u, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(44)));        // NFQA_CFG_QUEUE_MAXLEN
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(52)));           // NFQA_CFG_FLAGS: FAIL_OPEN | GSO
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(60)));           // NFQA_CFG_MASK
        Assert.Equal(64, n);
    }

    [Fact]
    public void A_queued_packet_is_read_and_a_broken_one_refused()
    {
        byte[] payload = [0x45, 0, 0, 20];
        var message = Packet(id: 7, mark: 0x1, payload, capturedLength: 1500);

        Assert.True(QueuedPacket.TryRead(message, out var queue, out var packet));
        Assert.Equal((ushort)2, queue);
        Assert.Equal((7u, (ushort)0x0800, (byte)2, 0x1u, 1500u), (packet.Id, packet.HardwareProtocol, packet.Hook, packet.Mark, packet.OriginalLength));
        Assert.Equal(payload, packet.Payload.ToArray());
        Assert.True(packet.IsTruncated);

        // Attributes end at 32 (packet header: 11 bytes and a pad byte, so 31 is whole too), 40 (mark), 48 (payload),
        // 56 (captured length). A cut inside any of them is refused; a cut on a boundary after the packet header reads
        // what is there.
        int[] boundaries = [31, 32, 40, 48, 56];
        for (var cut = 0; cut < message.Length; cut++)
        {
            Assert.Equal(boundaries.Contains(cut), QueuedPacket.TryRead(message.AsSpan(0, cut), out _, out _));
        }

        var noHeader = Packet(id: 7, mark: 0, payload, capturedLength: 0, withHeader: false);
        Assert.False(QueuedPacket.TryRead(noHeader, out _, out _));
    }

    // An NFQNL_MSG_PACKET as the kernel sends it: packet header, mark, payload, captured length.
    private static byte[] Packet(uint id, uint mark, byte[] payload, uint capturedLength, bool withHeader = true)
    {
        var buffer = new byte[256];
        var at = NfQueueProtocol.Begin(buffer, NfQueueProtocol.QueuePacket, 0, 0, queue: 2);
        if (withHeader)
        {
            Span<byte> header = stackalloc byte[7];
            BinaryPrimitives.WriteUInt32BigEndian(header, id);
            BinaryPrimitives.WriteUInt16BigEndian(header[4..], 0x0800);
            header[6] = 2;   // FORWARD
            at = NfQueueProtocol.Attribute(buffer, at, NfQueueProtocol.AttrPacketHeader, header);
        }

        at = NfQueueProtocol.AttributeBigEndian(buffer, at, NfQueueProtocol.AttrMark, mark);
        at = NfQueueProtocol.Attribute(buffer, at, NfQueueProtocol.AttrPayload, payload);
        if (capturedLength > 0)
        {
            at = NfQueueProtocol.AttributeBigEndian(buffer, at, NfQueueProtocol.AttrCapturedLength, capturedLength);
        }

        return buffer[..NfQueueProtocol.Finish(buffer, 0, at)];
    }
}
