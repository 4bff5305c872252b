namespace Appliance.Protocols.Quic;

/// <summary>
/// The unprotected fields of a long-header packet (RFC 9000 §17.2) of a version we know, as spans into the
/// datagram it was read from. The packet number and everything after it stay protected until
/// <see cref="QuicInitialDecoder"/> removes the protection.
/// </summary>
public readonly ref struct QuicLongHeader
{
    internal QuicLongHeader(
        uint version,
        QuicPacketType packetType,
        ReadOnlySpan<byte> destinationConnectionId,
        ReadOnlySpan<byte> sourceConnectionId,
        ReadOnlySpan<byte> token,
        int packetNumberOffset,
        int packetLength)
    {
        Version = version;
        PacketType = packetType;
        DestinationConnectionId = destinationConnectionId;
        SourceConnectionId = sourceConnectionId;
        Token = token;
        PacketNumberOffset = packetNumberOffset;
        PacketLength = packetLength;
    }

    /// <summary><see cref="QuicVersion.Version1"/> or <see cref="QuicVersion.Version2"/>.</summary>
    public uint Version { get; }

    /// <summary>The packet type, mapped to version 1's numbering whatever the version.</summary>
    public QuicPacketType PacketType { get; }

    public bool IsInitial => PacketType == QuicPacketType.Initial;

    /// <summary>
    /// The Destination Connection ID (0–20 bytes). On a client's first Initials it is the random value the Initial
    /// keys derive from (RFC 9001 §5.2), so it also keys the flow.
    /// </summary>
    public ReadOnlySpan<byte> DestinationConnectionId { get; }

    public ReadOnlySpan<byte> SourceConnectionId { get; }

    /// <summary>The Initial packet's token (RFC 9000 §17.2.2); empty for other types.</summary>
    public ReadOnlySpan<byte> Token { get; }

    /// <summary>Where the (protected) packet number starts, counted from the packet's first byte.</summary>
    public int PacketNumberOffset { get; }

    /// <summary>The packet's size in the datagram; a coalesced packet (RFC 9000 §12.2) would start here.</summary>
    public int PacketLength { get; }
}
