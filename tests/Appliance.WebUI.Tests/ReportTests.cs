using Appliance.Journal;
using Appliance.Journal.Checks;
using Appliance.Journal.Incidents;
using Appliance.WebUI.Reports;
using RazorSlices;

namespace Appliance.WebUI.Tests;

/// <summary>The Reports page's period, tables, trend, incident counts and CSV (RFC 4180, formula cells neutralised).</summary>
public sealed class ReportTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 10, 30, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 11, 29);

    [Fact]
    public void Period_DefaultsToTheLast30Days_TodayIncluded()
    {
        var (period, problem) = ReportPeriod.Parse(null, null, null, Now);

        Assert.Null(problem);
        Assert.Equal((Today.AddDays(-29), Today, 30), (period.FirstDay, period.LastDay, period.DayCount));
        Assert.Equal(new DateTimeOffset(2026, 10, 31, 0, 0, 0, TimeSpan.Zero), period.From);
        Assert.Equal(Now, period.To);
        Assert.Equal("days=30", period.Query);
    }

    [Fact]
    public void Period_FromTo_BothDaysIncluded()
    {
        var (period, problem) = ReportPeriod.Parse(null, "2026-09-01", "2026-09-30", Now);

        Assert.Null(problem);
        Assert.Equal((new DateOnly(2026, 9, 1), new DateOnly(2026, 9, 30), 30), (period.FirstDay, period.LastDay, period.DayCount));
        Assert.Equal(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), period.To);
        Assert.Equal("from=2026-09-01&to=2026-09-30", period.Query);
    }

    [Theory]
    [InlineData("14", null, null, "not one of the periods offered")]
    [InlineData(null, "2026-09-30", "2026-09-01", "before the 'from' date")]
    [InlineData(null, "1/9/2026", "2026-09-30", "year-month-day")]
    [InlineData(null, "2026-09-01", null, "year-month-day")]
    [InlineData(null, "2027-01-01", "2027-01-02", "in the future")]
    [InlineData(null, "2024-01-01", "2026-01-01", "at most 366 days")]
    public void Period_BadInput_NamesTheProblem_AndFallsBackTo30Days(string? days, string? from, string? to, string expected)
    {
        var (period, problem) = ReportPeriod.Parse(days, from, to, Now);

        Assert.Contains(expected, problem);
        Assert.Equal(30, period.Preset);
    }

    [Theory]
    [InlineData(0, 0, "none")]
    [InlineData(0, 4, "new")]
    [InlineData(4, 4, "no change")]
    [InlineData(4, 5, "up 25%")]
    [InlineData(10, 1, "down 90%")]
    public void Change_SaysWhichWayAndHowMuch(long first, long second, string expected) => Assert.Equal(expected, ReportTables.Change(first, second));

    [Fact]
    public void Tables_DailyHasEveryDay_AndTheTrendComparesTheHalves()
    {
        var period = ReportPeriod.Last(7, Now);
        BlockCell[] cells =
        [
            new(Today.AddDays(-6), "secondary", 1UL << 1, 2),   // first half (the first 3 days)
            new(Today.AddDays(-3), "secondary", 1UL << 1, 50),  // the middle day of 7: in neither half
            new(Today, "staff", 1UL << 1, 3),                   // second half
        ];
        var report = new Report(period, BlockSummary.From(cells), [], false, [], []);

        var daily = ReportTables.Get(report, "daily")!;
        Assert.Equal(["Day (UTC)", "secondary", "staff", "Total"], daily.Columns);
        Assert.Equal(7, daily.Rows.Count);
        Assert.Equal(["2026-11-23", "2", "0", "2"], daily.Rows[0]);
        Assert.Equal(["2026-11-24", "0", "0", "0"], daily.Rows[1]);
        Assert.Equal(["2026-11-29", "0", "3", "3"], daily.Rows[6]);

        var categories = ReportTables.Get(report, "categories")!;
        Assert.Equal(["drugs", "55", "2", "3", "up 50%"], Assert.Single(categories.Rows));
        Assert.Equal("First half (2026-11-23 to 2026-11-25)", categories.Columns[2]);
        var groups = ReportTables.Get(report, "groups")!;
        Assert.Equal([["secondary", "52", "2", "0", "down 100%"], ["staff", "3", "0", "3", "new"]], groups.Rows);
        Assert.Null(ReportTables.Get(report, "nonsense"));
    }

    [Fact]
    public void Incidents_CountedByMonthAndState_TestsLeftToTheChecks_NoRooms()
    {
        var at = new DateTimeOffset(2026, 10, 3, 9, 0, 0, TimeSpan.Zero);
        Incident[] raised =
        [
            new(1, at, "panel-1", "Room 4", "panel", false, IncidentState.Closed, at),
            new(2, at.AddDays(1), "panel-1", "Room 5", "panel", false, IncidentState.Closed, at),
            new(3, at.AddDays(30), "panel-2", "Library", "panel", false, IncidentState.Raised, at),
            new(4, at.AddDays(31), "panel-2", "Library", "panel", true, IncidentState.Cancelled, at) { DeliveredAt = at },
            new(5, at.AddDays(38), "panel-2", "Library", "panel", true, IncidentState.Raised, at),
        ];

        Assert.Equal([new("2026-10", "closed", 2), new("2026-11", "raised", 1)], ReportBuilder.IncidentMonths(raised));
        var test = Assert.Single(ReportBuilder.CheckTotals([], raised));
        Assert.Equal(new CheckTotal(ReportBuilder.PanicTestCheck, "panel", 1, 1, at.AddDays(38), "not delivered"), test);

        var report = new Report(ReportPeriod.Last(90, Now), BlockSummary.From([]), [], false, ReportBuilder.IncidentMonths(raised), []);
        var table = ReportTables.Get(report, "incidents")!;
        Assert.DoesNotContain(table.Rows.SelectMany(r => r), cell => cell.Contains("Room", StringComparison.Ordinal) || cell.Contains("Library", StringComparison.Ordinal));
    }

    [Fact]
    public void Checks_SummedOverThePeriod_WithTheLastFailure()
    {
        var day = new DateOnly(2026, 11, 20);
        CheckDay[] days =
        [
            new(day, CheckLog.FilteringKind, "resolver", 287, 1, Now.AddDays(-9), "a DNS listener did not answer the probe"),
            new(day.AddDays(1), CheckLog.FilteringKind, "resolver", 288, 0, null, null),
            new(day, CheckLog.ListKind, "https://lists.example/adult", 24, 0, null, null),
        ];

        Assert.Equal(
            [
                new CheckTotal(ReportBuilder.FilteringCheck, "resolver", 575, 1, Now.AddDays(-9), "a DNS listener did not answer the probe"),
                new CheckTotal(ReportBuilder.ListCheck, "https://lists.example/adult", 24, 0, null, null),
            ],
            ReportBuilder.CheckTotals(days, []));
    }

    [Fact]
    public async Task Page_RendersEveryTable_OnePeriodSelected_NoInlineStyles_NoForms_WhenPrinting()
    {
        var report = new Report(ReportPeriod.Last(7, Now), BlockSummary.From([new BlockCell(Today, "staff", 1UL << 1, 3)]),
            [new ChangeRow(Now, "head", "policy.apply", "policy v2", "{\"reason\":\"<b>term</b>\"}")], false, [], []);
        var frame = new Pages.PageFrame("Reports", new Accounts.WebAccount("gov", Accounts.WebRole.Governor), "__af", "token", "/reports");

        var html = await Slices.Reports.Create(new ReportsPage(frame, report, null, Print: false)).RenderAsync(System.Text.Encodings.Web.HtmlEncoder.Default);
        var printed = await Slices.Reports.Create(new ReportsPage(frame, report, null, Print: true)).RenderAsync(System.Text.Encodings.Web.HtmlEncoder.Default);

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<option[^>]* selected"));
        Assert.Contains("<option value=\"7\" selected", html, StringComparison.Ordinal);
        foreach (var id in ReportTables.Ids.Where(id => id != "category-daily"))
        {
            Assert.Contains($"id=\"table-{id}\"", html, StringComparison.Ordinal);
            Assert.Contains($"href=\"/reports/{id}.csv?days=7\"", html, StringComparison.Ordinal);
        }

        Assert.Contains("&lt;b&gt;term&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<th>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/reports?days=7&amp;view=print\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<form method=\"get\"", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_QuotesAsRfc4180_AndNeutralisesFormulas()
    {
        var csv = Csv.Write(["Name", "Detail"],
        [
            ["plain", "a, b"],
            ["say \"hi\"", "line one\r\nline two"],
            ["=HYPERLINK(\"http://evil.example\")", "+1"],
            ["-2+3", "@SUM(A1)"],
            ["\tcmd", ""],
        ]);

        Assert.Equal(
            "Name,Detail\r\n" +
            "plain,\"a, b\"\r\n" +
            "\"say \"\"hi\"\"\",\"line one\r\nline two\"\r\n" +
            "\"'=HYPERLINK(\"\"http://evil.example\"\")\",'+1\r\n" +
            "'-2+3,'@SUM(A1)\r\n" +
            "'\tcmd,\r\n",
            csv);
    }

    [Fact]
    public void Charts_AreNamedImages_WithTheirFiguresDescribed_AndTextEncoded()
    {
        var svg = SvgCharts.Bars("chart-x", "Blocks by <group>", [("a&b", 5), ("c", 2)]).Value!;

        Assert.Contains("role=\"img\"", svg, StringComparison.Ordinal);
        Assert.Contains("aria-labelledby=\"chart-x-title chart-x-desc\"", svg, StringComparison.Ordinal);
        Assert.Contains("<title id=\"chart-x-title\">Blocks by &lt;group&gt;</title>", svg, StringComparison.Ordinal);
        Assert.Contains("Highest: a&amp;b, 5. Total 7 over 2 entries.", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", svg, StringComparison.Ordinal);
        Assert.Contains("No blocks in this period.", SvgCharts.Columns("chart-y", "Per day", [("2026-11-01", 0)]).Value!, StringComparison.Ordinal);
    }
}
