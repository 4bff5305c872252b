using Appliance.Radius.Users.Import;

namespace Appliance.Radius.Tests.Users.Import;

public sealed class CsvReaderTests
{
    [Fact]
    public void Read_QuotedFields_KeepCommasDoubledQuotesAndLineBreaks()
    {
        var records = CsvReader.Read(new StringReader("username,last name\r\n\"o'brien\",\"Smith, \"\"Jo\"\"\"\r\nx,\"two\nlines\"\r\ny,z")).ToList();

        Assert.Equal(["username", "last name"], records[0].Fields);
        Assert.Equal(["o'brien", "Smith, \"Jo\""], records[1].Fields);
        Assert.Equal(["x", "two\nlines"], records[2].Fields);
        Assert.Equal(["y", "z"], records[3].Fields);
        Assert.Equal(5, records[3].Line);   // line numbers count the break inside the quotes
        Assert.All(records, r => Assert.Null(r.Error));
    }

    [Theory]
    [InlineData("a,b\"c\n", "a quote inside an unquoted field")]
    [InlineData("a,\"b\"c\n", "text after a closing quote")]
    [InlineData("a,\"b\n", "not closed")]
    public void Read_MalformedRecord_SaysWhy(string csv, string expected)
    {
        var record = Assert.Single(CsvReader.Read(new StringReader(csv)));

        Assert.Contains(expected, record.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AfterABadRecord_GoesOnReading()
    {
        var records = CsvReader.Read(new StringReader("a\nb\"\nc\n")).ToList();

        Assert.Equal([null, "b\"", null], records.Select(r => r.Error is null ? null : r.Fields[0]));
        Assert.Equal([1, 2, 3], records.Select(r => r.Line));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    public void Quote_RoundTripsThroughRead(string field, string expected)
    {
        Assert.Equal(expected, CsvReader.Quote(field));
        Assert.Equal(field, Assert.Single(CsvReader.Read(new StringReader(CsvReader.Quote(field)))).Fields[0]);
    }
}
