using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Protocols.Radius;

/// <summary>
/// Writes one RADIUS packet into a caller's buffer. Each write returns false and writes nothing when it does not
/// fit (in the buffer or in the 4096-octet limit of RFC 2865 §3). The sequence is:
/// <code>
///   TryWriteHeader ──► Message-Authenticator placeholder (first attribute) ──► TryWrite* … ──► TryFinish(secret)
///                                                                                 │ length patched
///                                                                                 │ Message-Authenticator (HMAC-MD5)
///                                                                                 └ Authenticator field (MD5)
/// </code>
/// Message-Authenticator goes first so that a man in the middle cannot choose the MD5 prefix the Response
/// Authenticator is computed over (BlastRADIUS, CVE-2024-3596); it is computed before the Response Authenticator
/// because RFC 3579 §3.2 computes it with the Request Authenticator still in the field.
/// </summary>
public ref struct RadiusPacketWriter
{
    private readonly Span<byte> _buffer;
    private int _position;
    private int _messageAuthenticatorAt;

    public RadiusPacketWriter(Span<byte> buffer)
    {
        _buffer = buffer[..Math.Min(buffer.Length, RadiusLimits.MaxPacketLength)];
        _position = 0;
        _messageAuthenticatorAt = -1;
    }

    public readonly int BytesWritten => _position;

    public readonly Span<byte> Written => _buffer[.._position];

    /// <summary>
    /// Writes the header and, unless told not to, a zeroed Message-Authenticator as the first attribute.
    /// <paramref name="authenticator"/> is the Request Authenticator being answered (replies), the client's random
    /// value (Access-Request, Status-Server), or ignored and zeroed (Accounting/Disconnect/CoA requests, whose
    /// authenticator <see cref="TryFinish"/> computes).
    /// </summary>
    public bool TryWriteHeader(RadiusCode code, byte identifier, scoped ReadOnlySpan<byte> authenticator, bool withMessageAuthenticator = true)
    {
        var needed = RadiusLimits.HeaderLength + (withMessageAuthenticator ? 2 + RadiusLimits.MessageAuthenticatorLength : 0);
        var hashed = code.AuthenticatorKind() == AuthenticatorKind.RequestHash;
        if (_position != 0 || _buffer.Length < needed || (!hashed && authenticator.Length != RadiusLimits.AuthenticatorLength))
        {
            return false;
        }

        _buffer[0] = (byte)code;
        _buffer[1] = identifier;
        var field = _buffer.Slice(4, RadiusLimits.AuthenticatorLength);
        field.Clear();
        if (!hashed)
        {
            authenticator.CopyTo(field);
        }

        _position = RadiusLimits.HeaderLength;
        if (withMessageAuthenticator)
        {
            _messageAuthenticatorAt = _position + 2;
            return TryWriteAttribute(RadiusAttributeType.MessageAuthenticator, stackalloc byte[RadiusLimits.MessageAuthenticatorLength]);
        }

        return true;
    }

    public bool TryWriteAttribute(byte type, scoped ReadOnlySpan<byte> value)
    {
        if (!TryReserve(type, value.Length, out var destination))
        {
            return false;
        }

        value.CopyTo(destination);
        return true;
    }

    /// <summary>An "integer" attribute (RFC 2865 §5: 32 bits, network order), e.g. Session-Timeout.</summary>
    public bool TryWriteUInt32(byte type, uint value)
    {
        if (!TryReserve(type, 4, out var destination))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, value);
        return true;
    }

    /// <summary>A "text" attribute (RFC 2865 §5: UTF-8, not NUL-terminated), e.g. User-Name or Reply-Message.</summary>
    public bool TryWriteString(byte type, scoped ReadOnlySpan<char> value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (!TryReserve(type, length, out var destination))
        {
            return false;
        }

        Encoding.UTF8.GetBytes(value, destination);
        return true;
    }

    /// <summary>An "address" attribute (RFC 2865 §5: 4 octets), e.g. Framed-IP-Address; IPv6 addresses are refused.</summary>
    public bool TryWriteIPv4(byte type, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily == AddressFamily.InterNetwork
            && TryReserve(type, 4, out var destination)
            && address.TryWriteBytes(destination, out _);
    }

    /// <summary>A Vendor-Specific attribute holding one sub-attribute in the suggested format (RFC 2865 §5.26).</summary>
    public bool TryWriteVendorSpecific(uint vendorId, byte vendorType, scoped ReadOnlySpan<byte> value)
    {
        if (!TryReserveVendorSpecific(vendorId, vendorType, value.Length, out var destination))
        {
            return false;
        }

        value.CopyTo(destination);
        return true;
    }

    /// <summary>
    /// A tagged integer (RFC 2868 §3.1, §3.2: Tunnel-Type, Tunnel-Medium-Type): a Tag octet 0..0x1F, then the
    /// value in the remaining three octets.
    /// </summary>
    public bool TryWriteTaggedUInt24(byte type, byte tag, uint value)
    {
        if (tag > 0x1F || value > 0xFFFFFF || !TryReserve(type, 4, out var destination))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, value);
        destination[0] = tag;
        return true;
    }

    /// <summary>
    /// A tagged string (RFC 2868 §3.6: Tunnel-Private-Group-Id). A Tag octet of 1..0x1F is always written. For tag 0
    /// it is written only when the string's first octet would itself look like a tag (≤ 0x1F); otherwise it is left
    /// out, as FreeRADIUS does, because a receiver reads a first octet above 0x1F as the start of the string.
    /// </summary>
    public bool TryWriteTaggedString(byte type, byte tag, scoped ReadOnlySpan<byte> value)
    {
        var withTag = tag != 0 || value.IsEmpty || value[0] <= 0x1F;
        if (tag > 0x1F || !TryReserve(type, value.Length + (withTag ? 1 : 0), out var destination))
        {
            return false;
        }

        if (withTag)
        {
            destination[0] = tag;
            destination = destination[1..];
        }

        value.CopyTo(destination);
        return true;
    }

    /// <summary>
    /// Writes an EAP packet as consecutive EAP-Message attributes of at most 253 octets (RFC 3579 §3.1). An empty
    /// packet becomes one empty attribute (EAP-Start). Nothing is written when the whole does not fit.
    /// </summary>
    public bool TryWriteEapMessage(scoped ReadOnlySpan<byte> eapPacket)
    {
        var count = Math.Max(1, (eapPacket.Length + RadiusLimits.MaxAttributeValueLength - 1) / RadiusLimits.MaxAttributeValueLength);
        if (_buffer.Length - _position < eapPacket.Length + (2 * count))
        {
            return false;
        }

        do
        {
            var chunk = eapPacket[..Math.Min(eapPacket.Length, RadiusLimits.MaxAttributeValueLength)];
            TryWriteAttribute(RadiusAttributeType.EapMessage, chunk);
            eapPacket = eapPacket[chunk.Length..];
        }
        while (!eapPacket.IsEmpty);
        return true;
    }

    /// <summary>
    /// MS-MPPE-Recv-Key = MSK[0..31] and MS-MPPE-Send-Key = MSK[32..63] (RFC 5216 §2.3 via RFC 3748; swapping them
    /// is the classic "connects, then drops" bug), each hidden per RFC 2548 with the Request Authenticator already in
    /// this reply's header. The two salts differ in their lowest bit, so they are unique within the packet.
    /// </summary>
    public bool TryWriteMppeKeys(scoped ReadOnlySpan<byte> msk, scoped ReadOnlySpan<byte> secret, ushort salt)
    {
        if (msk.Length != 64 || _position < RadiusLimits.HeaderLength
            || ((RadiusCode)_buffer[0]).AuthenticatorKind() != AuthenticatorKind.Response)
        {
            return false;
        }

        var start = _position;
        salt = (ushort)(salt & 0xFFFE);
        if (TryWriteMppeKey(MicrosoftAttributeType.MppeRecvKey, msk[..32], secret, salt)
            && TryWriteMppeKey(MicrosoftAttributeType.MppeSendKey, msk[32..], secret, (ushort)(salt | 1)))
        {
            return true;
        }

        _position = start;
        return false;
    }

    /// <summary>One MS-MPPE key VSA (vendor 311, type 16 or 17) answering the Request Authenticator in this reply's header.</summary>
    public bool TryWriteMppeKey(byte vendorType, scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> secret, ushort salt)
    {
        var length = MppeKey.EncryptedLength(key.Length);
        return _position >= RadiusLimits.HeaderLength
            && key.Length <= MppeKey.MaxKeyLength
            && TryReserveVendorSpecific(RadiusVendor.Microsoft, vendorType, length, out var destination)
            && MppeKey.TryEncrypt(key, secret, _buffer.Slice(4, RadiusLimits.AuthenticatorLength), salt, destination, out _);
    }

    /// <summary>
    /// Patches Length, then fills Message-Authenticator (if written) and then, for every code except Access-Request
    /// and Status-Server, the Authenticator field: RFC 2865 §3 (replies), RFC 2866 §3 / RFC 5176 §2.3 (requests).
    /// </summary>
    public bool TryFinish(scoped ReadOnlySpan<byte> secret, out int length)
    {
        length = _position;
        if (_position < RadiusLimits.HeaderLength)
        {
            return false;
        }

        var packet = _buffer[.._position];
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)_position);
        var field = packet.Slice(4, RadiusLimits.AuthenticatorLength);
        if (_messageAuthenticatorAt >= 0)
        {
            var value = packet.Slice(_messageAuthenticatorAt, RadiusLimits.MessageAuthenticatorLength);
            RadiusAuthenticators.ComputeMessageAuthenticator(packet, _messageAuthenticatorAt, field, secret, value);
        }

        if (((RadiusCode)packet[0]).AuthenticatorKind() != AuthenticatorKind.Random)
        {
            RadiusHash.PacketMd5(packet, field, secret, field);
        }

        return true;
    }

    private bool TryReserveVendorSpecific(uint vendorId, byte vendorType, int valueLength, out Span<byte> destination)
    {
        destination = default;
        if (vendorId > 0xFFFFFF || valueLength > RadiusLimits.MaxAttributeValueLength - RadiusLimits.VendorSubAttributeOverhead
            || !TryReserve(RadiusAttributeType.VendorSpecific, valueLength + RadiusLimits.VendorSubAttributeOverhead, out var vsa))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(vsa, vendorId);
        vsa[4] = vendorType;
        vsa[5] = (byte)(valueLength + 2);
        destination = vsa[RadiusLimits.VendorSubAttributeOverhead..];
        return true;
    }

    /// <summary>Writes Type and Length and hands back the value's place, or false when it does not fit.</summary>
    private bool TryReserve(byte type, int valueLength, out Span<byte> destination)
    {
        destination = default;
        if (_position < RadiusLimits.HeaderLength || valueLength > RadiusLimits.MaxAttributeValueLength
            || _buffer.Length - _position < valueLength + 2)
        {
            return false;
        }

        _buffer[_position] = type;
        _buffer[_position + 1] = (byte)(valueLength + 2);
        destination = _buffer.Slice(_position + 2, valueLength);
        _position += valueLength + 2;
        return true;
    }
}
