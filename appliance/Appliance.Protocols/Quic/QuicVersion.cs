namespace Appliance.Protocols.Quic;

/// <summary>The QUIC versions whose Initial packets we can open (RFC 9000 §15, RFC 9369 §3.1).</summary>
public static class QuicVersion
{
    /// <summary>QUIC version 1 (RFC 9000).</summary>
    public const uint Version1 = 0x00000001;

    /// <summary>QUIC version 2 (RFC 9369 §3.1): version 1 with new salts, labels and packet type numbers.</summary>
    public const uint Version2 = 0x6b3343cf;

    public static bool IsSupported(uint version) => version is Version1 or Version2;

    /// <summary>
    /// The long-header packet type in bits 4–5 of the first byte (RFC 9000 §17.2). Version 2 renumbers them
    /// (RFC 9369 §3.2) so that middleboxes cannot ossify on version 1's numbers: its Initial is 0b01, not 0b00.
    /// </summary>
    internal static QuicPacketType PacketType(uint version, byte firstByte)
    {
        var bits = (firstByte >> 4) & 0x03;
        if (version == Version2)
        {
            bits = (bits + 3) & 0x03;   // v2 Initial 1 → 0, 0-RTT 2 → 1, Handshake 3 → 2, Retry 0 → 3
        }

        return (QuicPacketType)bits;
    }
}

/// <summary>Long-header packet types, numbered as in version 1 (RFC 9000 §17.2, Table 5).</summary>
public enum QuicPacketType : byte
{
    Initial = 0,
    ZeroRtt = 1,
    Handshake = 2,
    Retry = 3,
}
