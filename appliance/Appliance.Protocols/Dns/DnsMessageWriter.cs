using System.Buffers.Binary;

namespace Appliance.Protocols.Dns;

/// <summary>
/// A forward-only writer of one DNS message into a caller's span. Each write returns false and writes
/// nothing when the destination is too small, so callers can fall back (for example to a truncated reply).
/// </summary>
public ref struct DnsMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public DnsMessageWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int BytesWritten => _position;

    public readonly Span<byte> Written => _buffer[.._position];

    public bool TryWriteHeader(in DnsHeader header)
    {
        if (_position != 0 || !header.TryWrite(_buffer))
        {
            return false;
        }

        _position = DnsLimits.HeaderLength;
        return true;
    }

    public bool TryWriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        if (!bytes.TryCopyTo(_buffer[_position..]))
        {
            return false;
        }

        _position += bytes.Length;
        return true;
    }

    /// <summary>Writes a question with an uncompressed wire name (the client's bytes, case kept).</summary>
    public bool TryWriteQuestion(scoped ReadOnlySpan<byte> wireName, ushort type, ushort @class)
    {
        if (_buffer.Length - _position < wireName.Length + 4)
        {
            return false;
        }

        wireName.CopyTo(_buffer[_position..]);
        var at = _position + wireName.Length;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[at..], type);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(at + 2)..], @class);
        _position = at + 4;
        return true;
    }

    /// <summary>Writes a whole resource record whose owner is given in wire form (possibly a pointer).</summary>
    public bool TryWriteRecord(scoped ReadOnlySpan<byte> owner, ushort type, ushort @class, uint ttl, scoped ReadOnlySpan<byte> rdata)
    {
        if (rdata.Length > ushort.MaxValue || _buffer.Length - _position < owner.Length + 10 + rdata.Length)
        {
            return false;
        }

        owner.CopyTo(_buffer[_position..]);
        var at = _position + owner.Length;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[at..], type);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(at + 2)..], @class);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[(at + 4)..], ttl);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(at + 8)..], (ushort)rdata.Length);
        rdata.CopyTo(_buffer[(at + 10)..]);
        _position = at + 10 + rdata.Length;
        return true;
    }

    /// <summary>
    /// Writes an OPT pseudo-record (RFC 6891 §6.1.2) advertising <paramref name="udpPayloadSize"/>, with the
    /// upper 8 bits of an extended RCODE, the DO bit echoed (RFC 3225 §3), and optionally one Extended DNS
    /// Error option (RFC 8914 §2) whose EXTRA-TEXT is UTF-8.
    /// </summary>
    public bool TryWriteOpt(ushort udpPayloadSize, DnsRcode rcode, bool dnssecOk, EdeCode? ede = null, scoped ReadOnlySpan<byte> edeText = default)
    {
        var optionLength = ede is null ? 0 : 4 + 2 + edeText.Length;

        // RFC 6891 §6.1.2: RDLENGTH is 16 bits; longer EXTRA-TEXT would wrap it and corrupt the message.
        if (optionLength > ushort.MaxValue || _buffer.Length - _position < 11 + optionLength)
        {
            return false;
        }

        var b = _buffer[_position..];
        b[0] = 0;                                                        // owner: root
        BinaryPrimitives.WriteUInt16BigEndian(b[1..], DnsType.Opt);
        BinaryPrimitives.WriteUInt16BigEndian(b[3..], udpPayloadSize);   // CLASS carries the UDP size
        var ttl = ((uint)((int)rcode >> 4) << 24) | (dnssecOk ? EdnsInfo.DoBit : 0u);   // version 0
        BinaryPrimitives.WriteUInt32BigEndian(b[5..], ttl);
        BinaryPrimitives.WriteUInt16BigEndian(b[9..], (ushort)optionLength);
        if (ede is { } code)
        {
            BinaryPrimitives.WriteUInt16BigEndian(b[11..], EdnsOptionCode.ExtendedError);
            BinaryPrimitives.WriteUInt16BigEndian(b[13..], (ushort)(2 + edeText.Length));
            BinaryPrimitives.WriteUInt16BigEndian(b[15..], (ushort)code);
            edeText.CopyTo(b[17..]);
        }

        _position += 11 + optionLength;
        return true;
    }

    /// <summary>Overwrites the four section counts of a message already written (header at offset 0).</summary>
    public static void SetCounts(Span<byte> message, ushort qd, ushort an, ushort ns, ushort ar)
    {
        BinaryPrimitives.WriteUInt16BigEndian(message[4..], qd);
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], an);
        BinaryPrimitives.WriteUInt16BigEndian(message[8..], ns);
        BinaryPrimitives.WriteUInt16BigEndian(message[10..], ar);
    }
}
