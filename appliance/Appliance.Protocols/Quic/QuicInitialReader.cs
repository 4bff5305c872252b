using System.Buffers.Binary;

namespace Appliance.Protocols.Quic;

/// <summary>
/// Reads the long header at the start of a UDP datagram (RFC 9000 §17.2) so the packet filter can tell QUIC Initials
/// of versions 1 and 2 from other UDP/443 traffic and key a connection attempt by its Destination Connection ID.
/// </summary>
public static class QuicInitialReader
{
    /// <summary>RFC 9000 §17.2: in versions 1 and 2 a connection ID is at most 20 bytes.</summary>
    public const int MaxConnectionIdLength = 20;

    /// <summary>
    /// NotThisProtocol for a short header, a version negotiation packet (version 0, §17.2.1) or a version we do not
    /// know (we cannot remove its protection, so it is an unnamed flow); Malformed when a known version's header is
    /// broken or cut short (UDP delivers whole datagrams, so a short one is not "more to come"), or is a Retry,
    /// which only servers send; Ok with <paramref name="header"/>, whatever the packet type.
    /// </summary>
    public static ParseStatus TryReadHeader(ReadOnlySpan<byte> datagram, out QuicLongHeader header)
    {
        header = default;
        if (datagram.Length < 5 || (datagram[0] & 0x80) == 0)
        {
            return ParseStatus.NotThisProtocol;
        }

        // The fixed bit (0x40) is not checked: RFC 9287 lets a client clear it ("greasing the QUIC bit").
        var version = BinaryPrimitives.ReadUInt32BigEndian(datagram[1..]);
        if (!QuicVersion.IsSupported(version))
        {
            return ParseStatus.NotThisProtocol;
        }

        var packetType = QuicVersion.PacketType(version, datagram[0]);
        var rest = datagram[5..];
        if (packetType == QuicPacketType.Retry
            || !TryReadConnectionId(ref rest, out var destination)
            || !TryReadConnectionId(ref rest, out var source))
        {
            return ParseStatus.Malformed;
        }

        ReadOnlySpan<byte> token = default;
        if (packetType == QuicPacketType.Initial)
        {
            if (!QuicVarint.TryReadLength(ref rest, out var tokenLength))
            {
                return ParseStatus.Malformed;
            }

            token = rest[..tokenLength];
            rest = rest[tokenLength..];
        }

        // Length covers the packet number and the protected payload (§17.2); TryReadLength keeps it in the datagram.
        if (!QuicVarint.TryReadLength(ref rest, out var length))
        {
            return ParseStatus.Malformed;
        }

        var packetNumberOffset = datagram.Length - rest.Length;
        header = new QuicLongHeader(version, packetType, destination, source, token, packetNumberOffset, packetNumberOffset + length);
        return ParseStatus.Ok;
    }

    private static bool TryReadConnectionId(scoped ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> connectionId)
    {
        connectionId = default;
        if (rest.IsEmpty || rest[0] > MaxConnectionIdLength || rest.Length - 1 < rest[0])
        {
            return false;
        }

        connectionId = rest.Slice(1, rest[0]);
        rest = rest[(1 + connectionId.Length)..];
        return true;
    }
}
