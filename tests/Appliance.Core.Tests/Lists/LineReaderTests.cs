using Appliance.Core.Lists;

namespace Appliance.Core.Tests.Lists;

public sealed class LineReaderTests
{
    private static List<string> Lines(string text)
    {
        using var reader = new LineReader(new StringReader(text));
        var lines = new List<string>();
        while (reader.TryReadLine(out var line))
        {
            lines.Add(line.ToString());
        }

        return lines;
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("a", new[] { "a" })]
    [InlineData("a\n", new[] { "a" })]
    [InlineData("a\nb", new[] { "a", "b" })]
    [InlineData("a\r\nb\r\n", new[] { "a\r", "b\r" })]   // the parser trims the \r with other white space
    [InlineData("\n\nx\n\n", new[] { "", "", "x", "" })]
    public void TryReadLine_SplitsOnNewline(string text, string[] expected) => Assert.Equal(expected, Lines(text));

    [Fact]
    public void TryReadLine_LinesAcrossBufferRefills_Intact()
    {
        var expected = Enumerable.Range(0, 20_000).Select(i => $"name{i}.zone{i % 97}.example").ToList();

        Assert.Equal(expected, Lines(string.Join('\n', expected) + "\n"));
    }

    [Fact]
    public void TryReadLine_OverlongLine_CutAndItsRestSkipped()
    {
        var lines = Lines("first\n" + new string('x', 200_000) + "\nlast\n");

        Assert.Equal(3, lines.Count);
        Assert.Equal("first", lines[0]);
        Assert.Equal(64 * 1024, lines[1].Length);
        Assert.Equal("last", lines[2]);
    }

    [Fact]
    public void Parse_AllocatesNothingPerLine()
    {
        // 100,000 hosts lines, parsed into a builder sized for them: what is left is fixed overhead, not per line.
        var text = string.Concat(Enumerable.Range(0, 100_000).Select(i => $"0.0.0.0 blk{i}.zone{i % 1000}.blocked.example\n"));
        var builder = new DomainSetBuilder(100_000);
        ListParser.Parse(new StringReader("0.0.0.0 warm.example\n"), "warm", ListFormat.Auto, 1, new DomainSetBuilder());

        var before = GC.GetAllocatedBytesForCurrentThread();
        var report = ListParser.Parse(new StringReader(text), "test", ListFormat.Auto, 1, builder);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(100_000, report.Added);
        Assert.True(allocated < 100_000, $"{allocated} bytes for 100,000 lines");
    }
}
