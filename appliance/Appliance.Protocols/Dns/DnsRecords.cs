namespace Appliance.Protocols.Dns;

/// <summary>A question entry (RFC 1035 §4.1.2), located in the message it was read from.</summary>
public readonly record struct DnsQuestion(int NameOffset, int NameWireLength, int ExpandedNameLength, ushort Type, ushort Class)
{
    /// <summary>Offset just past this question in the message.</summary>
    public int End => NameOffset + NameWireLength + 4;
}

/// <summary>A resource record (RFC 1035 §4.1.3), located in the message it was read from.</summary>
public readonly record struct DnsRecord(int Offset, int NameWireLength, ushort Type, ushort Class, uint Ttl, int RDataOffset, ushort RDataLength)
{
    /// <summary>Where the 32-bit TTL sits, so that a cache can rewrite it in place.</summary>
    public int TtlOffset => Offset + NameWireLength + 4;

    /// <summary>Offset just past this record.</summary>
    public int End => RDataOffset + RDataLength;

    /// <summary>Total length of the record as it appears in the message.</summary>
    public int Length => End - Offset;
}

/// <summary>The EDNS(0) view of an OPT pseudo-record (RFC 6891 §6.1.2–6.1.3).</summary>
public readonly record struct EdnsInfo(ushort UdpPayloadSize, byte ExtendedRcode, byte Version, bool DnssecOk, bool HasClientSubnet, bool HasCookie)
{
    public const uint DoBit = 0x8000;   // RFC 3225: the DO bit in the OPT TTL field

    /// <summary>
    /// Interprets an OPT record. Malformed when its owner is not the root or its options overrun RDATA
    /// (RFC 6891 §6.1.1, §6.1.2).
    /// </summary>
    public static ParseStatus TryRead(ReadOnlySpan<byte> message, in DnsRecord opt, out EdnsInfo info)
    {
        info = default;
        if (opt.NameWireLength != 1 || message[opt.Offset] != 0)
        {
            return ParseStatus.Malformed;
        }

        bool subnet = false, cookie = false;
        var options = message.Slice(opt.RDataOffset, opt.RDataLength);
        while (!options.IsEmpty)
        {
            if (options.Length < 4)
            {
                return ParseStatus.Malformed;
            }

            var code = (ushort)((options[0] << 8) | options[1]);
            var length = (options[2] << 8) | options[3];
            if (options.Length < 4 + length)
            {
                return ParseStatus.Malformed;
            }

            subnet |= code == EdnsOptionCode.ClientSubnet;
            cookie |= code == EdnsOptionCode.Cookie;
            options = options[(4 + length)..];
        }

        info = new EdnsInfo(
            opt.Class,
            (byte)(opt.Ttl >> 24),
            (byte)(opt.Ttl >> 16),
            (opt.Ttl & DoBit) != 0,
            subnet,
            cookie);
        return ParseStatus.Ok;
    }
}
