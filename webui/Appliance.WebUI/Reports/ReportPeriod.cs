using System.Globalization;
using System.Text.Json.Serialization;

namespace Appliance.WebUI.Reports;

/// <summary>
/// The days a report covers, whole UTC days from <see cref="FirstDay"/> to <see cref="LastDay"/> (today counts as far
/// as it has gone): "last 30 days" is today and the 29 days before it, so every day in the charts is a calendar day.
/// </summary>
public sealed record ReportPeriod(DateOnly FirstDay, DateOnly LastDay, int? Preset, DateTimeOffset To)
{
    public const int DefaultDays = 30;

    /// <summary>A year and a day at most: the journal keeps blocks for a year (JournalOptions.BlockRetention).</summary>
    public const int MaxDays = 366;

    public static readonly IReadOnlyList<int> Presets = [7, 30, 90];

    public DateTimeOffset From => new(FirstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public int DayCount => LastDay.DayNumber - FirstDay.DayNumber + 1;

    [JsonIgnore]
    public IEnumerable<DateOnly> Days => Enumerable.Range(0, DayCount).Select(FirstDay.AddDays);

    /// <summary>"last 30 days, 2026-10-31 to 2026-11-29 (UTC)".</summary>
    public string Label => (Preset is { } days ? $"last {days} days, " : "") + $"{Text(FirstDay)} to {Text(LastDay)} (UTC days)";

    /// <summary>The query string that asks for this period again (for the CSV, print and API links).</summary>
    public string Query => Preset is { } d ? $"days={d}" : $"from={Text(FirstDay)}&to={Text(LastDay)}";

    public static ReportPeriod Last(int days, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return new ReportPeriod(today.AddDays(1 - days), today, days, now);
    }

    /// <summary>
    /// Reads <c>days=7|30|90</c>, or <c>from</c> and <c>to</c> (yyyy-MM-dd, both days included); nothing: the last 30
    /// days. Bad input gives the default period and a message naming the problem.
    /// </summary>
    public static (ReportPeriod Period, string? Problem) Parse(string? days, string? from, string? to, DateTimeOffset now)
    {
        var fallback = Last(DefaultDays, now);
        if (!string.IsNullOrEmpty(from) || !string.IsNullOrEmpty(to))
        {
            if (!TryDay(from, out var first) || !TryDay(to, out var last))
            {
                return (fallback, "Give both dates as year-month-day, e.g. 2026-09-01; showing the last 30 days instead.");
            }

            var today = DateOnly.FromDateTime(now.UtcDateTime);
            var problem = last < first ? "The 'to' date is before the 'from' date"
                : first > today ? "The 'from' date is in the future"
                : last.DayNumber - first.DayNumber + 1 > MaxDays ? $"A report covers at most {MaxDays} days"
                : null;
            if (problem is not null)
            {
                return (fallback, problem + "; showing the last 30 days instead.");
            }

            var end = last >= today ? now : new DateTimeOffset(last.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return (new ReportPeriod(first, last < today ? last : today, null, end), null);
        }

        if (string.IsNullOrEmpty(days))
        {
            return (fallback, null);
        }

        return int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && Presets.Contains(n)
            ? (Last(n, now), null)
            : (fallback, $"'{days}' is not one of the periods offered (7, 30 or 90 days); showing the last 30 days instead.");
    }

    public static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static bool TryDay(string? text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
}
