using System.Buffers.Binary;

namespace Appliance.Protocols.Dns;

/// <summary>
/// A forward-only reader over one DNS message (RFC 1035 §4.1), modelled on <c>Utf8JsonReader</c>:
/// a <c>ref struct</c> over a span that only advances when a read returns <see cref="ParseStatus.Ok"/>.
/// Every offset it hands out is bounds-checked; names are validated (label and name lengths,
/// backward-only compression pointers, a hop cap) but never copied unless asked.
/// </summary>
public ref struct DnsMessageReader
{
    private readonly ReadOnlySpan<byte> _message;
    private int _position;

    public DnsMessageReader(ReadOnlySpan<byte> message)
    {
        _message = message;
        _position = 0;
    }

    /// <summary>The offset of the next unread byte.</summary>
    public readonly int Position => _position;

    /// <summary>The whole message this reader walks.</summary>
    public readonly ReadOnlySpan<byte> Message => _message;

    /// <summary>Bytes left after the current position.</summary>
    public readonly int Remaining => _message.Length - _position;

    public ParseStatus ReadHeader(out DnsHeader header)
    {
        if (_position != 0)
        {
            header = default;
            return ParseStatus.Malformed;
        }

        var status = DnsHeader.TryRead(_message, out header);
        if (status == ParseStatus.Ok)
        {
            _position = DnsLimits.HeaderLength;
        }

        return status;
    }

    public ParseStatus ReadQuestion(out DnsQuestion question)
    {
        question = default;
        var status = DnsName.TryMeasure(_message, _position, out var nameLength, out var expanded);
        if (status != ParseStatus.Ok)
        {
            return status;
        }

        var fixedAt = _position + nameLength;
        if (fixedAt + 4 > _message.Length)
        {
            return ParseStatus.Malformed;
        }

        question = new DnsQuestion(
            _position,
            nameLength,
            expanded,
            BinaryPrimitives.ReadUInt16BigEndian(_message[fixedAt..]),
            BinaryPrimitives.ReadUInt16BigEndian(_message[(fixedAt + 2)..]));
        _position = fixedAt + 4;
        return ParseStatus.Ok;
    }

    public ParseStatus ReadRecord(out DnsRecord record)
    {
        record = default;
        var status = DnsName.TryMeasure(_message, _position, out var nameLength, out _);
        if (status != ParseStatus.Ok)
        {
            return status;
        }

        var fixedAt = _position + nameLength;
        if (fixedAt + 10 > _message.Length)
        {
            return ParseStatus.Malformed;
        }

        var rdLength = BinaryPrimitives.ReadUInt16BigEndian(_message[(fixedAt + 8)..]);
        if (fixedAt + 10 + rdLength > _message.Length)
        {
            return ParseStatus.Malformed;   // RDLENGTH overruns the message
        }

        record = new DnsRecord(
            _position,
            nameLength,
            BinaryPrimitives.ReadUInt16BigEndian(_message[fixedAt..]),
            BinaryPrimitives.ReadUInt16BigEndian(_message[(fixedAt + 2)..]),
            BinaryPrimitives.ReadUInt32BigEndian(_message[(fixedAt + 4)..]),
            fixedAt + 10,
            rdLength);
        _position = record.End;
        return ParseStatus.Ok;
    }
}
