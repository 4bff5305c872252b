using Appliance.Protocols;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Resolution;

/// <summary>How a received datagram is to be handled.</summary>
public enum QueryDisposition : byte
{
    /// <summary>A well-formed query: resolve it.</summary>
    Resolve,

    /// <summary>Readable header, broken body: answer FORMERR (RFC 1035 §4.1.1).</summary>
    FormErr,

    /// <summary>An opcode we do not serve: answer NOTIMP.</summary>
    NotImp,

    /// <summary>EDNS version above 0: answer BADVERS (RFC 6891 §6.1.3).</summary>
    BadVers,

    /// <summary>Not even a header, or a response (QR=1): say nothing, so we can never be made to loop or reflect.</summary>
    Drop,
}

/// <summary>
/// What the resolver needs from a client's query, read in one pass (RFC 1035 §4.1, RFC 6891). The question
/// name is copied out uncompressed with the client's case (for 0x20, draft-vixie-dnsext-dns0x20) into a caller's
/// buffer; nothing is allocated.
/// </summary>
public struct ParsedQuery
{
    public ushort Id { get; set; }
    public ushort Flags { get; set; }
    public int NameLength { get; set; }
    public ushort Type { get; set; }
    public ushort Class { get; set; }
    public bool HasEdns { get; set; }
    public ushort UdpPayloadSize { get; set; }
    public bool DnssecOk { get; set; }
    public bool HasQuestion { get; set; }

    public readonly bool RecursionDesired => (Flags & DnsHeader.RdBit) != 0;

    public readonly bool CheckingDisabled => (Flags & DnsHeader.CdBit) != 0;

    public readonly DnsOpcode Opcode => (DnsOpcode)((Flags >> 11) & 0xF);

    /// <summary>
    /// The most a UDP answer may be: 512 without EDNS (RFC 1035 §4.2.1), else the client's size, never less than
    /// 512 (RFC 6891 §6.2.3) and never more than the 1232 we advertise ourselves (DNS Flag Day 2020).
    /// </summary>
    public readonly int UdpLimit => HasEdns ? Math.Clamp((int)UdpPayloadSize, DnsLimits.ClassicUdpSize, DnsLimits.EdnsUdpSize) : DnsLimits.ClassicUdpSize;

    /// <summary>
    /// Writes the question as answers carry it — the client's name uncompressed in the client's case, type, class —
    /// and returns its length (0 when no question could be read). <paramref name="destination"/> holds 259 bytes.
    /// </summary>
    public readonly int WriteQuestion(ReadOnlySpan<byte> name, Span<byte> destination)
    {
        if (!HasQuestion)
        {
            return 0;
        }

        name[..NameLength].CopyTo(destination);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[NameLength..], Type);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[(NameLength + 2)..], Class);
        return NameLength + 4;
    }

    /// <summary>Reads a query. <paramref name="name"/> must hold 255 bytes.</summary>
    public static QueryDisposition Read(ReadOnlySpan<byte> packet, Span<byte> name, out ParsedQuery query)
    {
        query = default;
        var reader = new DnsMessageReader(packet);
        if (reader.ReadHeader(out var header) != ParseStatus.Ok || header.IsResponse)
        {
            return QueryDisposition.Drop;
        }

        query.Id = header.Id;
        query.Flags = header.Flags;
        if (header.Opcode != DnsOpcode.Query)
        {
            return QueryDisposition.NotImp;
        }

        // RFC 9619: a query must carry exactly one question.
        if (header.QuestionCount != 1 || reader.ReadQuestion(out var question) != ParseStatus.Ok)
        {
            return QueryDisposition.FormErr;
        }

        if (DnsName.TryExpand(packet, question.NameOffset, name, out _, out var nameLength) != ParseStatus.Ok)
        {
            return QueryDisposition.FormErr;
        }

        query.NameLength = nameLength;
        query.Type = question.Type;
        query.Class = question.Class;
        query.HasQuestion = true;

        // RFC 6891 §6.1.1: OPT is a pseudo-RR; it never appears as a question type.
        if (question.Type == DnsType.Opt)
        {
            return QueryDisposition.FormErr;
        }

        var records = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        var firstAdditional = header.AnswerCount + header.AuthorityCount;
        for (var i = 0; i < records; i++)
        {
            if (reader.ReadRecord(out var record) != ParseStatus.Ok)
            {
                return QueryDisposition.FormErr;
            }

            if (record.Type != DnsType.Opt)
            {
                continue;
            }

            // RFC 6891 §6.1.1: at most one OPT, and only in the additional section.
            if (query.HasEdns || i < firstAdditional || EdnsInfo.TryRead(packet, record, out var edns) != ParseStatus.Ok)
            {
                return QueryDisposition.FormErr;
            }

            query.HasEdns = true;
            query.UdpPayloadSize = edns.UdpPayloadSize;
            query.DnssecOk = edns.DnssecOk;
            if (edns.Version != 0)
            {
                return QueryDisposition.BadVers;
            }
        }

        // Strict bounds: bytes after the last record mean the counts lie.
        return reader.Remaining == 0 ? QueryDisposition.Resolve : QueryDisposition.FormErr;
    }
}
