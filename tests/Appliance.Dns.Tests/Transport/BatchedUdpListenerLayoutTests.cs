using Appliance.Dns.Transport;

namespace Appliance.Dns.Tests.Transport;

/// <summary>The recvmmsg structs must match glibc's LP64 layout exactly (as Tmds.LibC checks its structs).</summary>
public sealed unsafe class BatchedUdpListenerLayoutTests
{
    [Fact]
    public void Structs_OnLp64_MatchGlibcSizesAndOffsets()
    {
        Assert.True(Environment.Is64BitProcess, "the batched engine is only enabled on 64-bit processes; this suite runs on x64/arm64");
        Assert.Equal(16, sizeof(BatchedUdpListener.IoVec));
        Assert.Equal(56, sizeof(BatchedUdpListener.MsgHdr));
        Assert.Equal(64, sizeof(BatchedUdpListener.MMsgHdr));
        var h = default(BatchedUdpListener.MsgHdr);
        var start = (byte*)&h;
        Assert.Equal(8, (int)((byte*)&h.NameLength - start));
        Assert.Equal(16, (int)((byte*)&h.Iov - start));
        Assert.Equal(48, (int)((byte*)&h.Flags - start));
        var m = default(BatchedUdpListener.MMsgHdr);
        Assert.Equal(56, (int)((byte*)&m.Length - (byte*)&m));
    }
}
