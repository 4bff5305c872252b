using System.Globalization;
using Appliance.Journal;

namespace Appliance.WebUI.Reports;

/// <summary>A table of the report as text: what the page shows, the CSV holds and the table API returns, cell for cell.</summary>
public sealed record ReportTable(string Id, string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>The report's tables, each with an id that names its CSV (<c>/reports/{id}.csv</c>) and its API (<c>/api/reports/{id}</c>).</summary>
public static class ReportTables
{
    public static readonly IReadOnlyList<string> Ids = ["daily", "categories", "groups", "category-daily", "changes", "incidents", "checks"];

    public static ReportTable? Get(Report report, string id) => id switch
    {
        "daily" => Daily(report),
        "categories" => Ranked(report, "categories", "Blocks by category", "Category", report.Blocks.ByCategory, report.Blocks.CategoryTrend.Select(c => (c.Day, c.Category, c.Blocks))),
        "groups" => Ranked(report, "groups", "Blocks by group", "Group", report.Blocks.ByGroup, report.Blocks.GroupTrend.Select(c => (c.Day, c.Group, c.Blocks))),
        "category-daily" => new ReportTable(id, "Blocks per day and category", ["Day (UTC)", "Category", "Blocks"],
            [.. report.Blocks.CategoryTrend.Select(c => Row(ReportPeriod.Text(c.Day), c.Category, Number(c.Blocks)))]),
        "changes" => new ReportTable(id, "Change-control log", ["Time (UTC)", "Actor", "Action", "Subject", "Detail"],
            [.. report.Changes.Select(c => Row(Time(c.At), c.Actor, c.Action, c.Subject, c.Detail))]),
        "incidents" => new ReportTable(id, "Incidents by month and state", ["Month (UTC)", "State now", "Incidents"],
            [.. report.Incidents.Select(i => Row(i.Month, i.State, Number(i.Incidents)))]),
        "checks" => new ReportTable(id, "Checks done", ["Check", "Subject", "Passed", "Failed", "Last failure (UTC)", "Last problem"],
            [.. report.Checks.Select(c => Row(c.Check, c.Subject, Number(c.Passed), Number(c.Failed), c.LastFailure is { } at ? Time(at) : "", c.LastProblem ?? ""))]),
        _ => null,
    };

    /// <summary>Every group's blocks on every day of the period (zeros included, so the chart and the table line up) and the total.</summary>
    public static ReportTable Daily(Report report)
    {
        var groups = report.Blocks.ByGroup.Select(g => g.Name).Order(StringComparer.Ordinal).ToList();
        var counts = report.Blocks.GroupTrend.ToDictionary(c => (c.Day, c.Group), c => c.Blocks);
        return new ReportTable("daily", "Blocks per day", ["Day (UTC)", .. groups, "Total"],
            [.. report.Period.Days.Select(day =>
            {
                var perGroup = groups.Select(g => counts.GetValueOrDefault((day, g))).ToList();
                return (IReadOnlyList<string>)[ReportPeriod.Text(day), .. perGroup.Select(Number), Number(perGroup.Sum())];
            })]);
    }

    /// <summary>The halves the trend compares: the first and last ⌊n/2⌋ days (an odd period's middle day is in neither).</summary>
    public static (DateOnly FirstEnd, DateOnly SecondStart) Halves(ReportPeriod period)
    {
        var half = period.DayCount / 2;
        return (period.FirstDay.AddDays(half), period.LastDay.AddDays(1 - half));
    }

    /// <summary>"up 25%", "down 10%", "no change", "new" (none before), "none".</summary>
    public static string Change(long first, long second) =>
        first == 0 ? (second == 0 ? "none" : "new")
        : second == first ? "no change"
        : string.Create(CultureInfo.InvariantCulture, $"{(second > first ? "up" : "down")} {Math.Round(Math.Abs(second - first) * 100.0 / first):0}%");

    private static ReportTable Ranked(Report report, string id, string title, string what, IReadOnlyList<NamedCount> totals,
        IEnumerable<(DateOnly Day, string Name, long Blocks)> daily)
    {
        var (firstEnd, secondStart) = Halves(report.Period);
        var halves = new Dictionary<string, (long First, long Second)>(StringComparer.Ordinal);
        foreach (var (day, name, blocks) in daily)
        {
            var (first, second) = halves.GetValueOrDefault(name);
            halves[name] = (first + (day < firstEnd ? blocks : 0), second + (day >= secondStart ? blocks : 0));
        }

        var (f, s) = (Range(report.Period.FirstDay, firstEnd.AddDays(-1)), Range(secondStart, report.Period.LastDay));
        return new ReportTable(id, title, [what, "Blocks", $"First half ({f})", $"Second half ({s})", "Trend"],
            [.. totals.Select(t =>
            {
                var (first, second) = halves.GetValueOrDefault(t.Name);
                return Row(t.Name, Number(t.Blocks), Number(first), Number(second), Change(first, second));
            })]);
    }

    private static string Range(DateOnly first, DateOnly last) =>
        last < first ? "no days" : first == last ? ReportPeriod.Text(first) : $"{ReportPeriod.Text(first)} to {ReportPeriod.Text(last)}";

    private static string[] Row(params string[] cells) => cells;

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";
}
