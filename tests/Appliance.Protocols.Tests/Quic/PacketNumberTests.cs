using Appliance.Protocols.Quic;

namespace Appliance.Protocols.Tests.Quic;

public class PacketNumberTests
{
    [Theory]
    [InlineData(0xa82f30eaL, 0x9b32u, 16, 0xa82f9b32L)]   // RFC 9000 §A.3's worked example
    [InlineData(-1L, 0u, 8, 0L)]                          // nothing seen yet: expect 0
    [InlineData(-1L, 2u, 32, 2L)]                         // RFC 9001 §A.2's first packet
    [InlineData(255L, 0x00u, 8, 256L)]                    // wraps forward past a one-byte boundary
    [InlineData(300L, 0xfeu, 8, 254L)]                    // a late packet from before the boundary
    public void DecodePacketNumber_Truncated_ExpandsNearTheExpectedNumber(long largest, uint truncated, int bits, long expected)
    {
        Assert.Equal(expected, QuicInitialDecoder.DecodePacketNumber(largest, truncated, bits));
    }
}
