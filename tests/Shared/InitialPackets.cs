using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Protocols.Quic;

namespace Appliance.TestSupport;

/// <summary>
/// A test-side client: builds and protects Initial packets with the RFC 9001 §5 steps run forwards (encrypt, then
/// apply header protection), so tests can make the multi-packet, shuffled, coalesced and version 2 cases the RFCs
/// have no sample for. That it reproduces the RFC samples byte for byte is tested first.
/// </summary>
public static class InitialPackets
{
    public const int DatagramSize = 1200;   // RFC 9000 §14.1: a client pads Initial datagrams to at least 1200 bytes
    private const int TagLength = 16;

    /// <summary>One protected Initial carrying <paramref name="payload"/> (frames, padding included).</summary>
    public static byte[] Protect(
        uint version,
        byte[] destinationConnectionId,
        byte[] payload,
        long packetNumber = 0,
        int packetNumberLength = 4,
        byte[]? sourceConnectionId = null,
        byte[]? token = null,
        int reservedBits = 0)
    {
        var header = Header(version, destinationConnectionId, sourceConnectionId ?? [], token ?? [], packetNumber, packetNumberLength, payload.Length, reservedBits);
        var packetNumberOffset = header.Length - packetNumberLength;
        Span<byte> secret = stackalloc byte[QuicInitialSecrets.SecretLength];
        var key = new byte[QuicInitialSecrets.KeyLength];
        var iv = new byte[QuicInitialSecrets.IvLength];
        var hp = new byte[QuicInitialSecrets.HeaderProtectionKeyLength];
        QuicInitialSecrets.DeriveClientSecret(version, destinationConnectionId, secret);
        QuicInitialSecrets.DerivePacketKeys(version, secret, key, iv, hp);

        var packet = new byte[header.Length + payload.Length + TagLength];
        header.CopyTo(packet, 0);
        var nonce = (byte[])iv.Clone();
        for (var i = 0; i < 8; i++)
        {
            nonce[4 + i] ^= (byte)(packetNumber >> (56 - (8 * i)));
        }

        using (var aead = new AesGcm(key, TagLength))
        {
            aead.Encrypt(nonce, payload, packet.AsSpan(header.Length, payload.Length), packet.AsSpan(header.Length + payload.Length), header);
        }

        using var aes = Aes.Create();
        aes.Key = hp;
        var mask = aes.EncryptEcb(packet.AsSpan(packetNumberOffset + 4, 16), PaddingMode.None);
        packet[0] ^= (byte)(mask[0] & 0x0F);
        for (var i = 0; i < packetNumberLength; i++)
        {
            packet[packetNumberOffset + i] ^= mask[1 + i];
        }

        return packet;
    }

    /// <summary>A protected Initial whose payload is <paramref name="frames"/> padded so the packet fills <paramref name="size"/> bytes.</summary>
    public static byte[] ProtectPadded(uint version, byte[] destinationConnectionId, byte[] frames, long packetNumber = 0, int size = DatagramSize)
    {
        var overhead = Header(version, destinationConnectionId, [], [], packetNumber, 4, 0, 0).Length + TagLength;
        return Protect(version, destinationConnectionId, [.. frames, .. new byte[Math.Max(0, size - overhead - frames.Length)]], packetNumber);
    }

    /// <summary>The unprotected long header (RFC 9000 §17.2.2); Length always takes the 2-byte varint form.</summary>
    public static byte[] Header(
        uint version, byte[] destinationConnectionId, byte[] sourceConnectionId, byte[] token, long packetNumber, int packetNumberLength, int payloadLength, int reservedBits)
    {
        var initialType = version == QuicVersion.Version2 ? 1 : 0;
        var header = new List<byte> { (byte)(0xC0 | (initialType << 4) | (reservedBits << 2) | (packetNumberLength - 1)) };
        var versionBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(versionBytes, version);
        header.AddRange(versionBytes);
        header.Add((byte)destinationConnectionId.Length);
        header.AddRange(destinationConnectionId);
        header.Add((byte)sourceConnectionId.Length);
        header.AddRange(sourceConnectionId);
        header.AddRange(Varint((ulong)token.Length));
        header.AddRange(token);
        var length = packetNumberLength + payloadLength + TagLength;
        header.AddRange([(byte)(0x40 | (length >> 8)), (byte)length]);
        for (var i = packetNumberLength - 1; i >= 0; i--)
        {
            header.Add((byte)(packetNumber >> (8 * i)));
        }

        return [.. header];
    }

    /// <summary>A CRYPTO frame (RFC 9000 §19.6).</summary>
    public static byte[] Crypto(int offset, ReadOnlySpan<byte> data) =>
        [0x06, .. Varint((ulong)offset), .. Varint((ulong)data.Length), .. data];

    /// <summary>The shortest encoding of a variable-length integer (RFC 9000 §16).</summary>
    public static byte[] Varint(ulong value) => value switch
    {
        < 0x40 => [(byte)value],
        < 0x4000 => [(byte)(0x40 | (value >> 8)), (byte)value],
        < 0x4000_0000 => [(byte)(0x80 | (value >> 24)), (byte)(value >> 16), (byte)(value >> 8), (byte)value],
        _ => [(byte)(0xC0 | (value >> 56)), (byte)(value >> 48), (byte)(value >> 40), (byte)(value >> 32), (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value],
    };
}
