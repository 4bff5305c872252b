using System.Buffers.Binary;

namespace Appliance.PacketFilter.Queue;

/// <summary>
/// One packet the kernel queued to us (NFQNL_MSG_PACKET), borrowed from the receive buffer: valid only until the
/// verdicts for the batch are sent.
/// </summary>
public readonly ref struct QueuedPacket
{
    public QueuedPacket(uint id, ushort hardwareProtocol, byte hook, uint mark, ReadOnlySpan<byte> payload, uint originalLength, uint inDevice, uint outDevice)
    {
        Id = id;
        HardwareProtocol = hardwareProtocol;
        Hook = hook;
        Mark = mark;
        Payload = payload;
        OriginalLength = originalLength;
        InDevice = inDevice;
        OutDevice = outDevice;
    }

    /// <summary>The id a verdict must name.</summary>
    public uint Id { get; }

    /// <summary>The link-layer protocol (0x0800 IPv4, 0x86dd IPv6).</summary>
    public ushort HardwareProtocol { get; }

    /// <summary>The netfilter hook (0 PREROUTING, 1 INPUT, 2 FORWARD, 3 OUTPUT, 4 POSTROUTING).</summary>
    public byte Hook { get; }

    /// <summary>The packet's mark as it was queued (the school's own bits must be kept when we set ours).</summary>
    public uint Mark { get; }

    /// <summary>The packet from its IP header, at most the copy range long.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The packet's full length; larger than the payload when the copy range cut it (NFQA_CAP_LEN).</summary>
    public uint OriginalLength { get; }

    public uint InDevice { get; }

    public uint OutDevice { get; }

    public bool IsTruncated => OriginalLength > (uint)Payload.Length;

    /// <summary>
    /// Reads an NFQNL_MSG_PACKET (the whole netlink message). False when a required attribute (the packet header)
    /// is missing or an attribute's length runs past the message. The kernel never sends such a message; callers
    /// count it as a protocol error.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, out ushort queue, out QueuedPacket packet)
    {
        packet = default;
        queue = 0;
        if (message.Length < NfQueueProtocol.HeaderLength)
        {
            return false;
        }

        queue = BinaryPrimitives.ReadUInt16BigEndian(message[18..]);
        uint id = 0, mark = 0, capturedLength = 0, inDevice = 0, outDevice = 0;
        ushort protocol = 0;
        byte hook = 0;
        var haveHeader = false;
        ReadOnlySpan<byte> payload = default;
        var at = NfQueueProtocol.HeaderLength;
        while (at + 4 <= message.Length)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(message[at..]);
            var type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(message[(at + 2)..]) & NfQueueProtocol.AttrTypeMask);
            if (length < 4 || at + length > message.Length)
            {
                return false;
            }

            var value = message.Slice(at + 4, length - 4);
            switch (type)
            {
                case NfQueueProtocol.AttrPacketHeader when value.Length >= 7:
                    id = BinaryPrimitives.ReadUInt32BigEndian(value);
                    protocol = BinaryPrimitives.ReadUInt16BigEndian(value[4..]);
                    hook = value[6];
                    haveHeader = true;
                    break;
                case NfQueueProtocol.AttrMark when value.Length >= 4:
                    mark = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case NfQueueProtocol.AttrInDevice when value.Length >= 4:
                    inDevice = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case NfQueueProtocol.AttrOutDevice when value.Length >= 4:
                    outDevice = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case NfQueueProtocol.AttrCapturedLength when value.Length >= 4:
                    capturedLength = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case NfQueueProtocol.AttrPayload:
                    payload = value;
                    break;
            }

            at += NfQueueProtocol.Align(length);
        }

        if (!haveHeader || at < message.Length)
        {
            return false;   // no packet header, or stray bytes after the last attribute (a cut or broken message)
        }

        packet = new QueuedPacket(id, protocol, hook, mark, payload, Math.Max(capturedLength, (uint)payload.Length), inDevice, outDevice);
        return true;
    }
}
