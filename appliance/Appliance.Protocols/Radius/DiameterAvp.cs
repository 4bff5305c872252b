using System.Buffers.Binary;

namespace Appliance.Protocols.Radius;

/// <summary>AVP flags (RFC 5281 §10.1; RFC 6733 §4.1).</summary>
[Flags]
public enum DiameterAvpFlags : byte
{
    None = 0,

    /// <summary>V: a Vendor-ID follows the header.</summary>
    VendorSpecific = 0x80,

    /// <summary>M: a receiver that does not support the AVP must fail the exchange (RFC 5281 §10.1).</summary>
    Mandatory = 0x40,
}

/// <summary>The RADIUS attribute numbers EAP-TTLS carries as AVP codes (RFC 5281 §10.1: codes below 256 are RADIUS's).</summary>
public static class DiameterAvpCode
{
    public const uint UserName = 1;
    public const uint UserPassword = 2;
    public const uint ChapPassword = 3;
    public const uint ReplyMessage = 18;
    public const uint ChapChallenge = 60;
    public const uint EapMessage = 79;
}

/// <summary>Microsoft (vendor 311) AVP codes TTLS uses (RFC 2548 §2.3; RFC 5281 §11.2.3, §11.2.4).</summary>
public static class MicrosoftAvpCode
{
    public const uint MsChapError = 2;
    public const uint MsChapChallenge = 11;
    public const uint MsChap2Response = 25;
    public const uint MsChap2Success = 26;
}

/// <summary>One AVP: code, flags, Vendor-ID (0 without V) and data (padding excluded).</summary>
public readonly ref struct DiameterAvp(uint code, DiameterAvpFlags flags, uint vendorId, ReadOnlySpan<byte> data)
{
    public uint Code { get; } = code;

    public DiameterAvpFlags Flags { get; } = flags;

    public uint VendorId { get; } = vendorId;

    public ReadOnlySpan<byte> Data { get; } = data;

    public bool IsMandatory => (Flags & DiameterAvpFlags.Mandatory) != 0;

    /// <summary>Whether this is the AVP <paramref name="code"/> of <paramref name="vendorId"/> (0: the IETF/RADIUS space).</summary>
    public bool Is(uint code, uint vendorId = 0) => Code == code && VendorId == vendorId;
}

/// <summary>
/// Iterates the AVPs EAP-TTLS carries inside its tunnel (RFC 5281 §10.1, the Diameter AVP of RFC 6733 §4.1):
/// <code>
///   AVP Code(4)  Flags(1) AVP Length(3)  [Vendor-ID(4) if V]  Data…  padding to a multiple of 4
/// </code>
/// AVP Length counts the header and the data but not the padding. Threats: a Length under the header size (8, or 12
/// with V) would make a reader stand still or step backwards, and one past the end would read foreign bytes; the first
/// is <see cref="ParseStatus.Malformed"/>, the second <see cref="ParseStatus.NeedMoreData"/>. RFC 5281 §10.2 requires
/// the padding, but a last AVP without it is accepted, as hostapd does: nothing follows it to misalign.
/// </summary>
public ref struct DiameterAvpReader
{
    public const int HeaderLength = 8;
    public const int VendorHeaderLength = 12;

    private ReadOnlySpan<byte> _remaining;

    public DiameterAvpReader(ReadOnlySpan<byte> avps) => _remaining = avps;

    public readonly bool IsAtEnd => _remaining.IsEmpty;

    public ParseStatus TryRead(out DiameterAvp avp)
    {
        avp = default;
        if (_remaining.Length < HeaderLength)
        {
            return ParseStatus.NeedMoreData;
        }

        var code = BinaryPrimitives.ReadUInt32BigEndian(_remaining);
        var flagsAndLength = BinaryPrimitives.ReadUInt32BigEndian(_remaining[4..]);
        var flags = (DiameterAvpFlags)(flagsAndLength >> 24);
        var length = (int)(flagsAndLength & 0xFFFFFF);
        var vendor = (flags & DiameterAvpFlags.VendorSpecific) != 0;
        if (length < (vendor ? VendorHeaderLength : HeaderLength))
        {
            return ParseStatus.Malformed;
        }

        if (length > _remaining.Length)
        {
            return ParseStatus.NeedMoreData;
        }

        var vendorId = vendor ? BinaryPrimitives.ReadUInt32BigEndian(_remaining[HeaderLength..]) : 0;
        var dataStart = vendor ? VendorHeaderLength : HeaderLength;
        avp = new DiameterAvp(code, flags & (DiameterAvpFlags.VendorSpecific | DiameterAvpFlags.Mandatory), vendorId, _remaining[dataStart..length]);
        _remaining = _remaining[Math.Min(_remaining.Length, DiameterAvpWriter.Padded(length))..];
        return ParseStatus.Ok;
    }

    /// <summary>
    /// The data of the first AVP <paramref name="code"/> of <paramref name="vendorId"/>. <see cref="ParseStatus.NotThisProtocol"/>
    /// when there is none; the reader's failure when the list breaks before one is found.
    /// </summary>
    public static ParseStatus TryFind(ReadOnlySpan<byte> avps, uint code, uint vendorId, out ReadOnlySpan<byte> data)
    {
        data = default;
        var reader = new DiameterAvpReader(avps);
        while (!reader.IsAtEnd)
        {
            var status = reader.TryRead(out var avp);
            if (status != ParseStatus.Ok)
            {
                return status;
            }

            if (avp.Is(code, vendorId))
            {
                data = avp.Data;
                return ParseStatus.Ok;
            }
        }

        return ParseStatus.NotThisProtocol;
    }
}

/// <summary>Writes AVPs (RFC 5281 §10.1), zero-padded to a multiple of 4 as §10.2 requires.</summary>
public static class DiameterAvpWriter
{
    /// <summary>The 24-bit AVP Length field's ceiling.</summary>
    public const int MaxAvpLength = 0xFFFFFF;

    /// <summary><paramref name="length"/> rounded up to a multiple of 4.</summary>
    public static int Padded(int length) => (length + 3) & ~3;

    /// <summary>The octets an AVP with <paramref name="dataLength"/> octets of data takes, padding included.</summary>
    public static int SizeOf(int dataLength, bool vendorSpecific) =>
        Padded((vendorSpecific ? DiameterAvpReader.VendorHeaderLength : DiameterAvpReader.HeaderLength) + dataLength);

    /// <summary>
    /// Writes one AVP and its padding. A <paramref name="vendorId"/> of 0 writes no Vendor-ID and leaves V clear (the
    /// RADIUS attribute space); any other sets V. <paramref name="written"/> includes the padding.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, uint code, uint vendorId, bool mandatory, ReadOnlySpan<byte> data, out int written)
    {
        var vendor = vendorId != 0;
        var headerLength = vendor ? DiameterAvpReader.VendorHeaderLength : DiameterAvpReader.HeaderLength;
        var length = headerLength + data.Length;
        written = Padded(length);
        if (length > MaxAvpLength || destination.Length < written)
        {
            written = 0;
            return false;
        }

        var flags = (vendor ? DiameterAvpFlags.VendorSpecific : 0) | (mandatory ? DiameterAvpFlags.Mandatory : 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination, code);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ((uint)flags << 24) | (uint)length);
        if (vendor)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[DiameterAvpReader.HeaderLength..], vendorId);
        }

        data.CopyTo(destination[headerLength..]);
        destination[length..written].Clear();
        return true;
    }
}
