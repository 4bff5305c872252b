using System.Buffers.Binary;

namespace Appliance.Protocols.Dns;

/// <summary>The 12-byte DNS header (RFC 1035 §4.1.1), with the flag bits unpacked on demand.</summary>
public readonly record struct DnsHeader(
    ushort Id, ushort Flags, ushort QuestionCount, ushort AnswerCount, ushort AuthorityCount, ushort AdditionalCount)
{
    public const ushort QrBit = 0x8000;
    public const ushort AaBit = 0x0400;
    public const ushort TcBit = 0x0200;
    public const ushort RdBit = 0x0100;
    public const ushort RaBit = 0x0080;
    public const ushort AdBit = 0x0020;  // RFC 4035 §3.2.3
    public const ushort CdBit = 0x0010;  // RFC 4035 §3.2.2

    public bool IsResponse => (Flags & QrBit) != 0;
    public DnsOpcode Opcode => (DnsOpcode)((Flags >> 11) & 0xF);
    public bool IsTruncated => (Flags & TcBit) != 0;
    public bool RecursionDesired => (Flags & RdBit) != 0;
    public bool CheckingDisabled => (Flags & CdBit) != 0;
    public bool AuthenticData => (Flags & AdBit) != 0;

    /// <summary>The 4-bit RCODE of the header; EDNS may extend it (RFC 6891 §6.1.3).</summary>
    public DnsRcode Rcode => (DnsRcode)(Flags & 0xF);

    /// <summary>Reads a header; <see cref="ParseStatus.Malformed"/> when fewer than 12 bytes are present.</summary>
    public static ParseStatus TryRead(ReadOnlySpan<byte> message, out DnsHeader header)
    {
        if (message.Length < DnsLimits.HeaderLength)
        {
            header = default;
            return ParseStatus.Malformed;
        }

        header = new DnsHeader(
            BinaryPrimitives.ReadUInt16BigEndian(message),
            BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[10..]));
        return ParseStatus.Ok;
    }

    /// <summary>Writes the header into the first 12 bytes; false when the destination is too small.</summary>
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < DnsLimits.HeaderLength)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, Id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], QuestionCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], AnswerCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], AuthorityCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], AdditionalCount);
        return true;
    }

    /// <summary>Builds the flags word of a response from its parts.</summary>
    public static ushort ResponseFlags(DnsOpcode opcode, bool rd, bool cd, bool ad, bool tc, DnsRcode rcode)
    {
        var flags = (ushort)(QrBit | RaBit | ((int)opcode << 11) | ((int)rcode & 0xF));
        if (rd)
        {
            flags |= RdBit;
        }

        if (cd)
        {
            flags |= CdBit;
        }

        if (ad)
        {
            flags |= AdBit;
        }

        if (tc)
        {
            flags |= TcBit;
        }

        return flags;
    }
}
