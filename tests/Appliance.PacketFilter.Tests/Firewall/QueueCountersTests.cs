using Appliance.PacketFilter.Firewall;

namespace Appliance.PacketFilter.Tests.Firewall;

public sealed class QueueCountersTests
{
    // Captured on this machine after binding queues 0 and 7 (copy mode packet, range 4096) from a raw netlink socket;
    // the third line is made up with every counter moving, at the widths seq_show pads to.
    private const string Sample =
        "    0  24076     0 2  4096     0     0        0  1\n" +
        "    7  24076     0 2  4096     0     0        0  1\n" +
        "65535 4294967295    12 2 65531     3 4294967295 123456789  1\n";

    [Fact]
    public void Parse_ProcSample_EveryColumnInItsField()
    {
        var queues = QueueCounters.Parse(Sample);

        Assert.Equal(3, queues.Count);
        Assert.Equal(new QueueCounters(0, 24076, 0, 2, 4096, 0, 0, 0), queues[0]);
        Assert.Equal(7u, queues[1].Queue);
        Assert.Equal(new QueueCounters(65535, uint.MaxValue, 12, 2, 65531, 3, uint.MaxValue, 123456789), queues[2]);
    }

    [Fact]
    public void Parse_Empty_NoQueues() => Assert.Empty(QueueCounters.Parse(""));

    [Theory]
    [InlineData("    0  24076     0 2  4096     0     0        0\n")]      // a column short
    [InlineData("    0  24076     0 2  4096     0     0        0  1  1\n")]
    [InlineData("    0  24076    -1 2  4096     0     0        0  1\n")]
    [InlineData("queue peer total\n")]
    public void Parse_UnknownFormat_ErrorNamesTheLine(string line)
    {
        var ex = Assert.Throws<InvalidDataException>(() => QueueCounters.Parse(Sample + line));
        Assert.StartsWith("nfnetlink_queue line 4: expected nine numbers", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_NoQueues() => Assert.Empty(QueueCounters.Read("/nonexistent/nfnetlink_queue"));
}
