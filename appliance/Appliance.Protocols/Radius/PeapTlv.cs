using System.Buffers.Binary;

namespace Appliance.Protocols.Radius;

/// <summary>The Result TLV's Status ([MS-PEAP] §2.2.8).</summary>
public enum PeapResult : ushort
{
    Success = 1,
    Failure = 2,
}

/// <summary>TLV types of the EAP-TLV (Extensions, EAP type 33) method ([MS-PEAP] §2.2.8).</summary>
public static class PeapTlvType
{
    public const ushort Result = 3;
    public const ushort Nak = 4;
    public const ushort CryptoBinding = 12;
    public const ushort Vendor = 7;
}

/// <summary>One TLV: the mandatory bit, the 14-bit type and the value.</summary>
public readonly ref struct PeapTlv(bool isMandatory, ushort type, ReadOnlySpan<byte> value)
{
    /// <summary>M: a peer that does not understand the TLV must fail the conversation.</summary>
    public bool IsMandatory { get; } = isMandatory;

    public ushort Type { get; } = type;

    public ReadOnlySpan<byte> Value { get; } = value;
}

/// <summary>
/// Iterates the TLVs in the Type-Data of an EAP-TLV packet ([MS-PEAP] §2.2.8):
/// <code>
///   M(1 bit) R(1 bit) TLV Type(14 bits)  Length(2, the value only)  Value…
/// </code>
/// A Length past the end is <see cref="ParseStatus.NeedMoreData"/> (a truncated packet); the reader never reads past
/// its input and only advances on success.
/// </summary>
public ref struct PeapTlvReader
{
    public const int HeaderLength = 4;

    private ReadOnlySpan<byte> _remaining;

    public PeapTlvReader(ReadOnlySpan<byte> tlvs) => _remaining = tlvs;

    public readonly bool IsAtEnd => _remaining.IsEmpty;

    public ParseStatus TryRead(out PeapTlv tlv)
    {
        tlv = default;
        if (_remaining.Length < HeaderLength)
        {
            return ParseStatus.NeedMoreData;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(_remaining[2..]);
        if (length > _remaining.Length - HeaderLength)
        {
            return ParseStatus.NeedMoreData;
        }

        var type = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(_remaining) & 0x3FFF);
        tlv = new PeapTlv((_remaining[0] & 0x80) != 0, type, _remaining.Slice(HeaderLength, length));
        _remaining = _remaining[(HeaderLength + length)..];
        return ParseStatus.Ok;
    }
}

/// <summary>
/// The end of a PEAPv0 conversation ([MS-PEAP]; draft-josefsson-pppext-eap-tls-eap): the server sends an EAP-TLV Request with a
/// mandatory Result TLV (Success or Failure) and the peer answers with the same. Crypto-Binding is optional and not
/// used (FreeRADIUS does not send it), so the Result TLV is the only one understood here.
/// </summary>
public static class PeapTlvs
{
    /// <summary>Header (4) + Status (2).</summary>
    public const int ResultTlvLength = 6;

    /// <summary>
    /// Finds the Result in EAP-TLV Type-Data. Unknown TLVs without M are skipped. An unknown one with M stops the read:
    /// <see cref="ParseStatus.Ok"/> with <paramref name="unknownMandatoryType"/> set (and no result), so the caller can
    /// fail the conversation (and may say so with a NAK TLV). Otherwise <paramref name="unknownMandatoryType"/> is -1
    /// and the result is Success or Failure. <see cref="ParseStatus.Malformed"/>: no Result TLV, two of them, a Status
    /// that is neither 1 nor 2, or a Result TLV whose Length is not 2.
    /// </summary>
    public static ParseStatus TryReadResult(ReadOnlySpan<byte> typeData, out PeapResult result, out int unknownMandatoryType)
    {
        result = default;
        unknownMandatoryType = -1;
        var reader = new PeapTlvReader(typeData);
        PeapResult found = default;
        while (!reader.IsAtEnd)
        {
            var status = reader.TryRead(out var tlv);
            if (status != ParseStatus.Ok)
            {
                return status;
            }

            if (tlv.Type != PeapTlvType.Result)
            {
                if (tlv.IsMandatory)
                {
                    unknownMandatoryType = tlv.Type;
                    return ParseStatus.Ok;
                }

                continue;
            }

            if (found != default || tlv.Value.Length != 2
                || (PeapResult)BinaryPrimitives.ReadUInt16BigEndian(tlv.Value) is not (PeapResult.Success or PeapResult.Failure))
            {
                return ParseStatus.Malformed;
            }

            found = (PeapResult)BinaryPrimitives.ReadUInt16BigEndian(tlv.Value);
        }

        result = found;
        return found == default ? ParseStatus.Malformed : ParseStatus.Ok;
    }

    /// <summary>Writes a mandatory Result TLV: 80 03 00 02 00 0{1|2}. This is the whole Type-Data of the EAP-TLV packet.</summary>
    public static bool TryWriteResult(Span<byte> destination, PeapResult result, out int written)
    {
        written = 0;
        if (destination.Length < ResultTlvLength || result is not (PeapResult.Success or PeapResult.Failure))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, 0x8000 | PeapTlvType.Result);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 2);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)result);
        written = ResultTlvLength;
        return true;
    }
}

/// <summary>
/// PEAPv0's inner framing ([MS-PEAP]; draft-kamath-pppext-peapv0-00): inside the tunnel an EAP packet
/// travels without its Code, Identifier and Length, as Type and Type-Data only, except EAP-TLV (Extensions, type 33),
/// which keeps its full header. The receiver cannot tell the two apart from the bytes (Type 1 and Code 1 look alike),
/// so, like hostapd, it goes by what it asked for: after sending an EAP-TLV Request it expects a full packet back.
/// Getting this wrong was a classic interop bug (toughradius PRs in radius.md §5).
/// </summary>
public static class PeapV0InnerEap
{
    /// <summary>
    /// What goes into the tunnel for <paramref name="eapPacket"/>: Type + Type-Data, or the whole packet for EAP-TLV.
    /// False for Success/Failure (PEAPv0 ends with the Result TLV instead), a packet that does not parse, or no room.
    /// </summary>
    public static bool TryWrap(ReadOnlySpan<byte> eapPacket, Span<byte> destination, out int written)
    {
        written = 0;
        if (EapPacketReader.TryRead(eapPacket, out var packet) != ParseStatus.Ok || packet.Code is not (EapCode.Request or EapCode.Response))
        {
            return false;
        }

        var payload = packet.Type == EapType.Tlv ? packet.Packet : packet.Packet[EapPacketReader.HeaderLength..];
        if (!payload.TryCopyTo(destination))
        {
            return false;
        }

        written = payload.Length;
        return true;
    }

    /// <summary>
    /// Rebuilds a whole EAP packet from tunnel data. When <paramref name="expectExtensions"/> is false the data is
    /// Type + Type-Data and the header is made from <paramref name="code"/>, <paramref name="identifier"/> (hostapd uses
    /// the outer EAP packet's) and the length; Type 33 without its header is <see cref="ParseStatus.Malformed"/>. When
    /// true the data must be a complete EAP-TLV packet with that Code, copied as is (without any trailing octets).
    /// </summary>
    public static ParseStatus TryUnwrap(
        ReadOnlySpan<byte> tunnelData, bool expectExtensions, EapCode code, byte identifier, Span<byte> destination, out int written)
    {
        written = 0;
        if (expectExtensions)
        {
            var status = EapPacketReader.TryRead(tunnelData, out var packet);
            if (status != ParseStatus.Ok)
            {
                return status;
            }

            if (packet.Code != code || packet.Type != EapType.Tlv || !packet.Packet.TryCopyTo(destination))
            {
                return ParseStatus.Malformed;
            }

            written = packet.Length;
            return ParseStatus.Ok;
        }

        if (tunnelData.IsEmpty)
        {
            return ParseStatus.NeedMoreData;
        }

        var length = EapPacketReader.HeaderLength + tunnelData.Length;
        if (tunnelData[0] == EapType.Tlv || length > ushort.MaxValue || destination.Length < length)
        {
            return ParseStatus.Malformed;
        }

        destination[0] = (byte)code;
        destination[1] = identifier;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
        tunnelData.CopyTo(destination[EapPacketReader.HeaderLength..]);
        written = length;
        return ParseStatus.Ok;
    }
}
