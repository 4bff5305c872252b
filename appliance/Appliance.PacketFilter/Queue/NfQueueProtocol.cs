using System.Buffers.Binary;

namespace Appliance.PacketFilter.Queue;

/// <summary>
/// The nfnetlink_queue wire format (include/uapi/linux/netfilter/nfnetlink_queue.h, nfnetlink.h, netlink.h;
/// packet-path.md §1.2). Netlink headers are in host order; nfgenmsg's res_id and every numeric attribute payload
/// are big-endian. Attributes are padded to 4 bytes (NLA_ALIGN).
/// </summary>
internal static class NfQueueProtocol
{
    public const int NlmsgHeaderLength = 16;
    public const int NfgenmsgLength = 4;
    public const int HeaderLength = NlmsgHeaderLength + NfgenmsgLength;

    // nlmsghdr.nlmsg_type: netlink's own control messages, then (NFNL_SUBSYS_QUEUE = 3) << 8 | message.
    public const ushort NlmsgError = 2;
    public const ushort QueuePacket = 0x0300;
    public const ushort QueueVerdict = 0x0301;
    public const ushort QueueConfig = 0x0302;

    public const ushort FlagRequest = 0x1;   // NLM_F_REQUEST
    public const ushort FlagAck = 0x4;       // NLM_F_ACK

    // Attribute types (enum nfqnl_attr_type / nfqnl_attr_config); the top two bits are NLA_F_NESTED/NET_BYTEORDER.
    public const ushort AttrTypeMask = 0x3fff;
    public const ushort AttrPacketHeader = 1;
    public const ushort AttrVerdictHeader = 2;
    public const ushort AttrMark = 3;
    public const ushort AttrInDevice = 5;
    public const ushort AttrOutDevice = 6;
    public const ushort AttrPayload = 10;
    public const ushort AttrCapturedLength = 13;

    public const ushort CfgCommand = 1;
    public const ushort CfgParams = 2;
    public const ushort CfgQueueMaxLength = 3;
    public const ushort CfgMask = 4;
    public const ushort CfgFlags = 5;

    public const byte CmdBind = 1;
    public const byte CopyPacket = 2;        // NFQNL_COPY_PACKET

    public const uint FlagFailOpen = 1;      // NFQA_CFG_F_FAIL_OPEN: a full queue passes packets instead of dropping them
    public const uint FlagGso = 4;           // NFQA_CFG_F_GSO: no segmentation/checksumming before queueing (we never rewrite)

    public const uint NfDrop = 0;
    public const uint NfAccept = 1;
    public const uint NfRepeat = 4;

    public static int Align(int length) => (length + 3) & ~3;

    /// <summary>Writes an nlmsghdr + nfgenmsg; the length is patched by <see cref="Finish"/>.</summary>
    public static int Begin(Span<byte> buffer, ushort type, ushort flags, uint sequence, ushort queue, byte family = 0)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[12..], 0);   // to the kernel
        buffer[16] = family;
        buffer[17] = 0;                                              // NFNETLINK_V0
        BinaryPrimitives.WriteUInt16BigEndian(buffer[18..], queue);
        return HeaderLength;
    }

    /// <summary>Sets nlmsg_len to the message's length and returns the aligned end.</summary>
    public static int Finish(Span<byte> buffer, int start, int end)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[start..], (uint)(end - start));
        return start + Align(end - start);
    }

    /// <summary>Appends one attribute (header plus payload, zero padded) and returns the new end.</summary>
    public static int Attribute(Span<byte> buffer, int at, ushort type, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[at..], (ushort)(4 + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[(at + 2)..], type);
        payload.CopyTo(buffer[(at + 4)..]);
        var end = at + 4 + payload.Length;
        var padded = at + Align(4 + payload.Length);
        buffer[end..padded].Clear();
        return padded;
    }

    public static int AttributeBigEndian(Span<byte> buffer, int at, ushort type, uint value)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, value);
        return Attribute(buffer, at, type, payload);
    }

    /// <summary>
    /// NFQNL_MSG_CONFIG that binds the queue and sets it up in one message: the kernel takes NFQA_CFG_CMD first
    /// (creating the queue instance), then the copy-packet mode and range, the queue length and the FAIL_OPEN | GSO
    /// flags (net/netfilter/nfnetlink_queue.c, nfqnl_recv_config), so no packet is queued in the default copy mode.
    /// </summary>
    public static int WriteBind(Span<byte> buffer, uint sequence, ushort queue, uint copyRange, uint maxLength, uint flags)
    {
        var at = Begin(buffer, QueueConfig, FlagRequest | FlagAck, sequence, queue);
        at = Attribute(buffer, at, CfgCommand, [CmdBind, 0, 0, 0]);
        Span<byte> parameters = stackalloc byte[5];   // struct nfqnl_msg_config_params is packed: be32 range, u8 mode
        BinaryPrimitives.WriteUInt32BigEndian(parameters, copyRange);
        parameters[4] = CopyPacket;
        at = Attribute(buffer, at, CfgParams, parameters);
        at = AttributeBigEndian(buffer, at, CfgQueueMaxLength, maxLength);
        at = AttributeBigEndian(buffer, at, CfgFlags, flags);
        at = AttributeBigEndian(buffer, at, CfgMask, flags);
        return Finish(buffer, 0, at);
    }

    /// <summary>One NFQNL_MSG_VERDICT (verdict, packet id, and the mark to set when <paramref name="mark"/> is not null).</summary>
    public static int WriteVerdict(Span<byte> buffer, ushort queue, uint packetId, uint verdict, uint? mark)
    {
        var at = Begin(buffer, QueueVerdict, FlagRequest, 0, queue);
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, verdict);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], packetId);
        at = Attribute(buffer, at, AttrVerdictHeader, header);
        if (mark is { } value)
        {
            at = AttributeBigEndian(buffer, at, AttrMark, value);
        }

        return Finish(buffer, 0, at);
    }

    /// <summary>The largest verdict message <see cref="WriteVerdict"/> writes.</summary>
    public const int MaxVerdictLength = HeaderLength + 12 + 8;

    /// <summary>Reads a netlink message header; false when the bytes cannot hold one or the length is inconsistent.</summary>
    public static bool TryReadMessage(ReadOnlySpan<byte> buffer, out ushort type, out int length)
    {
        type = 0;
        length = 0;
        if (buffer.Length < NlmsgHeaderLength)
        {
            return false;
        }

        var declared = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        if (declared < NlmsgHeaderLength || declared > (uint)buffer.Length)
        {
            return false;
        }

        type = BinaryPrimitives.ReadUInt16LittleEndian(buffer[4..]);
        length = (int)declared;
        return true;
    }

    /// <summary>The errno in an NLMSG_ERROR (0 is an acknowledgement), or null if the message is too short.</summary>
    public static int? ReadError(ReadOnlySpan<byte> message) =>
        message.Length >= NlmsgHeaderLength + 4 ? -BinaryPrimitives.ReadInt32LittleEndian(message[NlmsgHeaderLength..]) : null;

    public static uint ReadSequence(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt32LittleEndian(message[8..]);
}
