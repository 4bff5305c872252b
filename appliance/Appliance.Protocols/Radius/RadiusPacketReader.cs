using System.Buffers.Binary;

namespace Appliance.Protocols.Radius;

/// <summary>
/// Reads one RADIUS packet (RFC 2865 §3): the 20-octet header, then its attributes one at a time. The reader covers
/// exactly Length octets: RFC 2865 §3 says octets past Length are padding and are ignored, while a datagram shorter
/// than Length is discarded. Nothing is copied; every span points into the caller's datagram.
/// </summary>
public ref struct RadiusPacketReader
{
    private readonly ReadOnlySpan<byte> _packet;
    private RadiusAttributeReader _attributes;

    private RadiusPacketReader(ReadOnlySpan<byte> packet)
    {
        _packet = packet;
        _attributes = new RadiusAttributeReader(packet[RadiusLimits.HeaderLength..]);
    }

    public readonly RadiusCode Code => (RadiusCode)_packet[0];

    public readonly byte Identifier => _packet[1];

    /// <summary>The Length field, which is also the length of <see cref="Packet"/>.</summary>
    public readonly int Length => _packet.Length;

    public readonly ReadOnlySpan<byte> Authenticator => _packet.Slice(4, RadiusLimits.AuthenticatorLength);

    /// <summary>The packet without any padding past Length: what authenticators are computed over.</summary>
    public readonly ReadOnlySpan<byte> Packet => _packet;

    /// <summary>All attribute octets, for a second pass (for example <see cref="RadiusAttributeReader.TryFind"/>).</summary>
    public readonly ReadOnlySpan<byte> Attributes => _packet[RadiusLimits.HeaderLength..];

    public readonly bool IsAtEnd => _attributes.IsAtEnd;

    /// <summary>
    /// Reads the header. <see cref="ParseStatus.NeedMoreData"/> when fewer than 20 octets arrived;
    /// <see cref="ParseStatus.Malformed"/> when Length is outside 20..4096 or longer than the datagram (RFC 2865 §3).
    /// </summary>
    public static ParseStatus TryRead(ReadOnlySpan<byte> datagram, out RadiusPacketReader reader)
    {
        reader = default;
        if (datagram.Length < RadiusLimits.HeaderLength)
        {
            return ParseStatus.NeedMoreData;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if (length is < RadiusLimits.HeaderLength or > RadiusLimits.MaxPacketLength || length > datagram.Length)
        {
            return ParseStatus.Malformed;
        }

        reader = new RadiusPacketReader(datagram[..length]);
        return ParseStatus.Ok;
    }

    /// <summary>The next attribute; see <see cref="RadiusAttributeReader.TryRead"/>.</summary>
    public ParseStatus TryReadAttribute(out RadiusAttribute attribute) => _attributes.TryRead(out attribute);
}

/// <summary>One attribute (or Vendor-Specific sub-attribute): its type and its value octets.</summary>
public readonly ref struct RadiusAttribute(byte type, ReadOnlySpan<byte> value)
{
    public byte Type { get; } = type;

    public ReadOnlySpan<byte> Value { get; } = value;

    /// <summary>An "integer" value (RFC 2865 §5: 32-bit, network order).</summary>
    public bool TryGetUInt32(out uint value) =>
        BinaryPrimitives.TryReadUInt32BigEndian(Value, out value) & Value.Length == 4;
}

/// <summary>
/// Iterates type-length-value items (RFC 2865 §5; the same shape is used inside Vendor-Specific, §5.26). Length
/// counts Type and Length, so it is at least 2; a smaller one would make a reader loop forever or step backwards,
/// and one running past the end would read the next packet's bytes. Both are <see cref="ParseStatus.Malformed"/>.
/// </summary>
public ref struct RadiusAttributeReader
{
    private ReadOnlySpan<byte> _remaining;

    public RadiusAttributeReader(ReadOnlySpan<byte> attributes) => _remaining = attributes;

    public readonly bool IsAtEnd => _remaining.IsEmpty;

    /// <summary>
    /// Reads the next item and advances past it. At the end there is nothing to read and the result is
    /// <see cref="ParseStatus.NeedMoreData"/>; loop on <see cref="IsAtEnd"/>.
    /// </summary>
    public ParseStatus TryRead(out RadiusAttribute attribute)
    {
        attribute = default;
        if (_remaining.IsEmpty)
        {
            return ParseStatus.NeedMoreData;
        }

        if (_remaining.Length < 2 || _remaining[1] < 2 || _remaining[1] > _remaining.Length)
        {
            return ParseStatus.Malformed;
        }

        int length = _remaining[1];
        attribute = new RadiusAttribute(_remaining[0], _remaining[2..length]);
        _remaining = _remaining[length..];
        return ParseStatus.Ok;
    }

    /// <summary>
    /// The first attribute of <paramref name="type"/> in <paramref name="attributes"/>. <see cref="ParseStatus.NeedMoreData"/>
    /// when there is none; <see cref="ParseStatus.Malformed"/> when the list breaks before one is found.
    /// </summary>
    public static ParseStatus TryFind(ReadOnlySpan<byte> attributes, byte type, out ReadOnlySpan<byte> value)
    {
        var reader = new RadiusAttributeReader(attributes);
        value = default;
        while (!reader.IsAtEnd)
        {
            var status = reader.TryRead(out var attribute);
            if (status != ParseStatus.Ok)
            {
                return status;
            }

            if (attribute.Type == type)
            {
                value = attribute.Value;
                return ParseStatus.Ok;
            }
        }

        return ParseStatus.NeedMoreData;
    }

    /// <summary>
    /// Opens a Vendor-Specific value (RFC 2865 §5.26): a 4-octet Vendor-Id whose high octet is 0, then at least one
    /// sub-attribute in the suggested format. A value too short for that header is <see cref="ParseStatus.Malformed"/>.
    /// </summary>
    public static ParseStatus TryReadVendorSpecific(ReadOnlySpan<byte> value, out uint vendorId, out RadiusAttributeReader subAttributes)
    {
        subAttributes = default;
        vendorId = 0;
        if (value.Length < RadiusLimits.VendorSubAttributeOverhead || value[0] != 0)
        {
            return ParseStatus.Malformed;
        }

        vendorId = BinaryPrimitives.ReadUInt32BigEndian(value);
        subAttributes = new RadiusAttributeReader(value[4..]);
        return ParseStatus.Ok;
    }
}
