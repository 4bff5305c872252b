using System.Buffers.Binary;

namespace Appliance.Protocols.Dns;

/// <summary>
/// Removes the <c>ech</c> SvcParam (key 5, RFC 9460 §14.3.2; RFC 9848) from every SVCB/HTTPS record of a
/// response, so browsers never start Encrypted Client Hello and the SNI the packet filter reads stays the real
/// name (packet-path.md §2.2, §3.3; mitmproxy's strip_ech does the same). Key 5 is also taken out of a
/// <c>mandatory</c> list (key 0), and a mandatory list left empty is dropped, so the record stays valid
/// (RFC 9460 §8). Keys stay in ascending order and every RDLENGTH is recomputed.
/// <para>
/// Removing bytes would move names that compression pointers refer to, so a response that needs the change is
/// rewritten whole with every name written out uncompressed (owners, and the names inside CNAME, NS, PTR,
/// DNAME, MX, SOA and SVCB RDATA; RFC 3597 §4 lists which types may carry compressed names). Other RDATA is
/// copied as it is. Responses without <c>ech</c> are not touched.
/// </para>
/// </summary>
public static class EchStripper
{
    public const ushort EchKey = 5;
    public const ushort MandatoryKey = 0;

    /// <summary>
    /// Writes <paramref name="message"/> without <c>ech</c> to <paramref name="output"/>. Returns the new length;
    /// 0 when there was nothing to strip; -1 when the message is malformed or the rewrite does not fit.
    /// </summary>
    public static int Strip(ReadOnlySpan<byte> message, Span<byte> output)
    {
        var reader = new DnsMessageReader(message);
        if (reader.ReadHeader(out var header) != ParseStatus.Ok || header.QuestionCount > 1)
        {
            return -1;
        }

        if (header.QuestionCount == 1 && reader.ReadQuestion(out _) != ParseStatus.Ok)
        {
            return -1;
        }

        var questionEnd = reader.Position;
        var total = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        var found = false;
        for (var i = 0; i < total; i++)
        {
            if (reader.ReadRecord(out var record) != ParseStatus.Ok)
            {
                return -1;
            }

            found |= IsSvcb(record.Type) && HasEch(message.Slice(record.RDataOffset, record.RDataLength), message, record.RDataOffset);
        }

        if (!found)
        {
            return 0;
        }

        if (output.Length < questionEnd)
        {
            return -1;
        }

        message[..questionEnd].CopyTo(output);
        var at = questionEnd;
        reader = new DnsMessageReader(message);
        reader.ReadHeader(out _);
        if (header.QuestionCount == 1)
        {
            reader.ReadQuestion(out _);
        }

        for (var i = 0; i < total; i++)
        {
            reader.ReadRecord(out var record);
            if (!WriteRecord(message, record, output, ref at))
            {
                return -1;
            }
        }

        return at;
    }

    private static bool IsSvcb(ushort type) => type is DnsType.Svcb or DnsType.Https;

    // Does the SvcParams part of this RDATA hold key 5?
    private static bool HasEch(ReadOnlySpan<byte> rdata, ReadOnlySpan<byte> message, int rdataOffset)
    {
        if (rdata.Length < 3 || DnsName.TryMeasure(message, rdataOffset + 2, out var nameBytes, out _) != ParseStatus.Ok || 2 + nameBytes > rdata.Length)
        {
            return false;
        }

        var p = rdata[(2 + nameBytes)..];
        while (p.Length >= 4)
        {
            var key = BinaryPrimitives.ReadUInt16BigEndian(p);
            var length = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
            if (key == EchKey)
            {
                return true;
            }

            if (p.Length < 4 + length)
            {
                return false;
            }

            p = p[(4 + length)..];
        }

        return false;
    }

    private static bool WriteRecord(ReadOnlySpan<byte> message, in DnsRecord record, Span<byte> output, ref int at)
    {
        if (!WriteName(message, record.Offset, output, ref at) || output.Length - at < 10)
        {
            return false;
        }

        message.Slice(record.Offset + record.NameWireLength, 8).CopyTo(output[at..]);   // type, class, TTL
        var lengthAt = at + 8;
        at += 10;
        var rdataStart = at;
        var r = record.RDataOffset;
        var ok = record.Type switch
        {
            DnsType.CName or DnsType.NS or DnsType.Ptr or 39 /* DNAME */ => WriteName(message, r, output, ref at),
            DnsType.MX => Copy(message.Slice(r, 2), output, ref at) && WriteName(message, r + 2, output, ref at),
            DnsType.Soa => WriteSoa(message, record, output, ref at),
            DnsType.Svcb or DnsType.Https => WriteSvcb(message, record, output, ref at),
            _ => Copy(message.Slice(r, record.RDataLength), output, ref at),
        };
        if (!ok || at - rdataStart > ushort.MaxValue)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(output[lengthAt..], (ushort)(at - rdataStart));
        return true;
    }

    private static bool WriteSoa(ReadOnlySpan<byte> message, in DnsRecord record, Span<byte> output, ref int at)
    {
        if (DnsName.TryMeasure(message, record.RDataOffset, out var first, out _) != ParseStatus.Ok
            || DnsName.TryMeasure(message, record.RDataOffset + first, out var second, out _) != ParseStatus.Ok
            || first + second + 20 != record.RDataLength)
        {
            return false;
        }

        return WriteName(message, record.RDataOffset, output, ref at)
            && WriteName(message, record.RDataOffset + first, output, ref at)
            && Copy(message.Slice(record.RDataOffset + first + second, 20), output, ref at);
    }

    private static bool WriteSvcb(ReadOnlySpan<byte> message, in DnsRecord record, Span<byte> output, ref int at)
    {
        var r = record.RDataOffset;
        if (record.RDataLength < 3 || DnsName.TryMeasure(message, r + 2, out var nameBytes, out _) != ParseStatus.Ok
            || 2 + nameBytes > record.RDataLength)
        {
            return false;
        }

        if (!Copy(message.Slice(r, 2), output, ref at) || !WriteName(message, r + 2, output, ref at))
        {
            return false;
        }

        var p = message.Slice(r + 2 + nameBytes, record.RDataLength - 2 - nameBytes);
        while (p.Length > 0)
        {
            if (p.Length < 4)
            {
                return false;
            }

            var key = BinaryPrimitives.ReadUInt16BigEndian(p);
            var length = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
            if (p.Length < 4 + length)
            {
                return false;
            }

            var value = p.Slice(4, length);
            p = p[(4 + length)..];
            if (key == EchKey)
            {
                continue;
            }

            if (key == MandatoryKey)
            {
                if (!WriteMandatory(value, output, ref at))
                {
                    return false;
                }

                continue;
            }

            if (output.Length - at < 4 + length)
            {
                return false;
            }

            BinaryPrimitives.WriteUInt16BigEndian(output[at..], key);
            BinaryPrimitives.WriteUInt16BigEndian(output[(at + 2)..], length);
            value.CopyTo(output[(at + 4)..]);
            at += 4 + length;
        }

        return true;
    }

    // The mandatory list without key 5; left out entirely if nothing remains.
    private static bool WriteMandatory(ReadOnlySpan<byte> keys, Span<byte> output, ref int at)
    {
        if (keys.Length % 2 != 0 || output.Length - at < 4 + keys.Length)
        {
            return false;
        }

        var start = at;
        at += 4;
        for (var i = 0; i < keys.Length; i += 2)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(keys[i..]) != EchKey)
            {
                keys.Slice(i, 2).CopyTo(output[at..]);
                at += 2;
            }
        }

        var kept = at - start - 4;
        if (kept == 0)
        {
            at = start;
            return true;
        }

        BinaryPrimitives.WriteUInt16BigEndian(output[start..], MandatoryKey);
        BinaryPrimitives.WriteUInt16BigEndian(output[(start + 2)..], (ushort)kept);
        return true;
    }

    private static bool WriteName(ReadOnlySpan<byte> message, int offset, Span<byte> output, ref int at)
    {
        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength];
        if (DnsName.TryExpand(message, offset, name, out _, out var written) != ParseStatus.Ok)
        {
            return false;
        }

        return Copy(name[..written], output, ref at);
    }

    private static bool Copy(ReadOnlySpan<byte> bytes, Span<byte> output, ref int at)
    {
        if (output.Length - at < bytes.Length)
        {
            return false;
        }

        bytes.CopyTo(output[at..]);
        at += bytes.Length;
        return true;
    }
}
