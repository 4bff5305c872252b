using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Tests.Fetch;

public sealed class CssUrlScannerTests
{
    [Theory]
    [InlineData("a { background: url(x.png) }", "x.png", false)]
    [InlineData("a { background: URL(  x.png  ) }", "x.png", false)]
    [InlineData("a { background: url('x.png') }", "x.png", false)]
    [InlineData("a { background: url( \"x y.png\" ) }", "x y.png", false)]
    [InlineData("a { background: url(x\\).png) }", "x).png", false)]
    [InlineData("a { background: url(\\78 .png) }", "x.png", false)]
    [InlineData("a { background: url('a\\'b.png') }", "a'b.png", false)]
    [InlineData("a { background: u\\72l(x.png) }", "x.png", false)]
    [InlineData("@import 'a.css';", "a.css", true)]
    [InlineData("@import\t\"a.css\" screen;", "a.css", true)]
    [InlineData("@IMPORT url(a.css);", "a.css", true)]
    [InlineData("@import url('a.css') layer(x);", "a.css", true)]
    [InlineData("a{background:url(x.png", "x.png", false)]
    [InlineData("@import \"a.css", "a.css", true)]
    public void Scan_OneReference_FindsItsValue(string css, string value, bool isImport)
    {
        var reference = Assert.Single(CssUrlScanner.Scan(css));

        Assert.Equal((value, isImport), (reference.Value, reference.IsImport));
        var token = css.Substring(reference.Start, reference.Length);
        Assert.True(token.StartsWith("url(", StringComparison.OrdinalIgnoreCase) || token.StartsWith("u\\72l(", StringComparison.Ordinal) || token[0] is '"' or '\'', token);
    }

    [Theory]
    [InlineData("/* url(x.png) */ a { }")]
    [InlineData("a { content: 'url(x.png)' }")]
    [InlineData("a { background: myurl(x.png) }")]
    [InlineData("a { background: url(x y.png) }")]
    [InlineData("a { background: url(x\"y.png) }")]
    [InlineData("a { background: url(x(y.png) }")]
    [InlineData("a { background: url(x\\\ny.png) }")]
    [InlineData("a { content: \"bad\nstring\" } @import")]
    [InlineData("p { color: red } \"a.css\"")]
    [InlineData("@media print { } 'not-an-import.css'")]
    public void Scan_NoUrlOrABadOne_FindsNothing(string css) => Assert.Empty(CssUrlScanner.Scan(css));

    [Fact]
    public void Scan_AfterABadUrl_GoesOnAfterItsParenthesis()
    {
        var found = CssUrlScanner.Scan("a { b: url(x y) } c { d: url(z.png) }");

        Assert.Equal(["z.png"], found.Select(f => f.Value));
    }

    [Fact]
    public void Scan_Offsets_CoverTheWholeToken()
    {
        const string css = "@import \"a.css\"; b { c: url( d.png ) }";

        var found = CssUrlScanner.Scan(css);

        Assert.Equal(["\"a.css\"", "url( d.png )"], found.Select(f => css.Substring(f.Start, f.Length)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Scan_HostileInput_EndsWithoutThrowing(int kind)
    {
        var css = kind switch
        {
            1 => "a { b: url(" + new string('x', 2_000_000),
            2 => new string('"', 1_000_001),
            3 => string.Concat(Enumerable.Repeat("url(a)", 50_000)),
            _ => string.Concat(Enumerable.Repeat("/*", 100_000)) + "\\" + new string('(', 100_000) + "\\",
        };

        var found = CssUrlScanner.Scan(css);

        Assert.True(found.Count <= CssUrlScanner.MaxReferences);
        Assert.All(found, f => Assert.InRange(f.Start + f.Length, 0, css.Length));
    }

    [Fact]
    public void Scan_EveryTruncationOfAValidSheet_NeverThrowsOrReadsPastTheEnd()
    {
        const string css = "@import url(\"a\\62 c.css\") screen; /* c */ x { y: url( 'q\\'r.png' ) url(s\\29 .png) } @import 't.css';";

        for (var length = 0; length <= css.Length; length++)
        {
            var prefix = css[..length];
            Assert.All(CssUrlScanner.Scan(prefix), f => Assert.InRange(f.Start + f.Length, 0, prefix.Length));
        }

        Assert.Equal(["abc.css", "q'r.png", "s).png", "t.css"], CssUrlScanner.Scan(css).Select(f => f.Value));
    }
}
