using System.Buffers.Binary;

namespace Appliance.Protocols.Radius;

/// <summary>EAP codes (RFC 3748 §4).</summary>
public enum EapCode : byte
{
    Request = 1,
    Response = 2,
    Success = 3,
    Failure = 4,
}

/// <summary>EAP method types this server meets (IANA "Method Types"; RFC 3748 §5, RFC 5216, RFC 5281, [MS-PEAP]).</summary>
public static class EapType
{
    public const byte Identity = 1;
    public const byte Notification = 2;
    public const byte Nak = 3;
    public const byte Md5Challenge = 4;
    public const byte Tls = 13;
    public const byte Ttls = 21;
    public const byte Peap = 25;
    public const byte MsChapV2 = 26;
    public const byte Tlv = 33;
}

/// <summary>
/// Reads one EAP packet (RFC 3748 §4): Code, Identifier, Length, and for Request/Response a Type octet and the
/// type data. Octets past Length are link-layer padding and ignored (§4.1); fewer than Length is
/// <see cref="ParseStatus.NeedMoreData"/>. Success and Failure carry no data (§4.2), so their Length must be 4.
/// </summary>
public readonly ref struct EapPacketReader
{
    public const int HeaderLength = 4;

    private readonly ReadOnlySpan<byte> _packet;

    private EapPacketReader(ReadOnlySpan<byte> packet) => _packet = packet;

    public EapCode Code => (EapCode)_packet[0];

    public byte Identifier => _packet[1];

    public int Length => _packet.Length;

    /// <summary>The method type of a Request or Response; 0 for Success and Failure.</summary>
    public byte Type => _packet.Length > HeaderLength ? _packet[HeaderLength] : (byte)0;

    /// <summary>What follows the Type octet (empty for Success and Failure).</summary>
    public ReadOnlySpan<byte> TypeData => _packet.Length > HeaderLength ? _packet[(HeaderLength + 1)..] : default;

    /// <summary>The packet without padding: what a TLS method's inner EAP or a relay passes on.</summary>
    public ReadOnlySpan<byte> Packet => _packet;

    public static ParseStatus TryRead(ReadOnlySpan<byte> data, out EapPacketReader reader)
    {
        reader = default;
        if (data.Length < HeaderLength)
        {
            return ParseStatus.NeedMoreData;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        var valid = (EapCode)data[0] switch
        {
            EapCode.Request or EapCode.Response => length > HeaderLength,
            EapCode.Success or EapCode.Failure => length == HeaderLength,
            _ => false,
        };
        if (!valid)
        {
            return ParseStatus.Malformed;
        }

        if (data.Length < length)
        {
            return ParseStatus.NeedMoreData;
        }

        reader = new EapPacketReader(data[..length]);
        return ParseStatus.Ok;
    }

    /// <summary>Writes a Request or Response (with <paramref name="type"/>) or a Success/Failure (type ignored).</summary>
    public static bool TryWrite(Span<byte> destination, EapCode code, byte identifier, byte type, ReadOnlySpan<byte> typeData, out int written)
    {
        var withType = code is EapCode.Request or EapCode.Response;
        written = HeaderLength + (withType ? 1 + typeData.Length : 0);
        if (written > ushort.MaxValue || destination.Length < written || (!withType && !typeData.IsEmpty))
        {
            written = 0;
            return false;
        }

        destination[0] = (byte)code;
        destination[1] = identifier;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)written);
        if (withType)
        {
            destination[HeaderLength] = type;
            typeData.CopyTo(destination[(HeaderLength + 1)..]);
        }

        return true;
    }

    /// <summary>
    /// Joins the EAP-Message attributes of a RADIUS packet into <paramref name="destination"/> (RFC 3579 §3.1: in
    /// order, and consecutive). <paramref name="written"/> is 0 when there is none or only an empty one (EAP-Start).
    /// <see cref="ParseStatus.Malformed"/> when the attributes break, the fragments are not consecutive, the result
    /// does not fit, or the joined bytes are not exactly one EAP packet (a length that disagrees is a splice).
    /// </summary>
    public static ParseStatus TryReassemble(ReadOnlySpan<byte> radiusAttributes, Span<byte> destination, out int written)
    {
        written = 0;
        var reader = new RadiusAttributeReader(radiusAttributes);
        var state = 0;   // 0: before the run of EAP-Messages, 1: inside it, 2: after it
        while (!reader.IsAtEnd)
        {
            if (reader.TryRead(out var attribute) != ParseStatus.Ok)
            {
                return ParseStatus.Malformed;
            }

            var isEap = attribute.Type == RadiusAttributeType.EapMessage;
            if (isEap && state == 2)
            {
                return ParseStatus.Malformed;
            }

            state = isEap ? 1 : state == 1 ? 2 : state;
            if (isEap && !attribute.Value.TryCopyTo(destination[written..]))
            {
                return ParseStatus.Malformed;
            }

            written += isEap ? attribute.Value.Length : 0;
        }

        return written == 0
            || (written >= HeaderLength && BinaryPrimitives.ReadUInt16BigEndian(destination[2..]) == written)
            ? ParseStatus.Ok
            : ParseStatus.Malformed;
    }
}
