using Appliance.Core.Policy;

namespace Appliance.Lessons.Plans;

/// <summary>One time a lesson happens, as instants (its local times converted with the school's time zone).</summary>
public readonly record struct LessonOccurrence(DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// Turns a lesson's local timing into instants. A weekly lesson keeps its local time through daylight-saving changes
/// (09:00 in October and in March) and, when the policy has term dates, happens in term only.
/// </summary>
public static class LessonCalendar
{
    /// <summary>The occurrences that overlap [<paramref name="from"/>, <paramref name="to"/>), earliest first.</summary>
    public static IReadOnlyList<LessonOccurrence> Between(LessonTiming timing, TimeZoneInfo zone, TermCalendar terms, DateTimeOffset from, DateTimeOffset to)
    {
        var result = new List<LessonOccurrence>();
        // A day either side: local dates and UTC instants differ by up to 14 hours.
        var first = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, zone).DateTime).AddDays(-1);
        var last = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(to, zone).DateTime).AddDays(1);
        foreach (var date in Dates(timing, terms, first, last))
        {
            var occurrence = new LessonOccurrence(Instant(date, timing.Start, zone), Instant(date, timing.End, zone));
            if (occurrence.End > from && occurrence.Start < to)
            {
                result.Add(occurrence);
            }
        }

        return result;
    }

    /// <summary>The next occurrence that has not ended by <paramref name="now"/>, or null when the lesson is over.</summary>
    public static LessonOccurrence? Next(LessonTiming timing, TimeZoneInfo zone, TermCalendar terms, DateTimeOffset now)
    {
        var lastDate = timing.Weekly ? timing.Until ?? timing.Date : timing.Date;
        var lastEnd = Instant(lastDate, timing.End, zone).AddDays(1);
        for (var from = now; from < lastEnd; from = from.AddDays(28))
        {
            var found = Between(timing, zone, terms, from, from.AddDays(28));
            if (found.Count > 0)
            {
                return found[0];
            }
        }

        return null;
    }

    /// <summary>When the lesson's last occurrence ends (its content may be evicted some time after).</summary>
    public static DateTimeOffset LastEnd(LessonTiming timing, TimeZoneInfo zone)
        => Instant(timing.Weekly ? timing.Until ?? timing.Date : timing.Date, timing.End, zone);

    private static IEnumerable<DateOnly> Dates(LessonTiming timing, TermCalendar terms, DateOnly first, DateOnly last)
    {
        if (!timing.Weekly)
        {
            if (timing.Date >= first && timing.Date <= last)
            {
                yield return timing.Date;
            }

            yield break;
        }

        var until = timing.Until ?? timing.Date;
        // The first date on the lesson's weekday at or after `first` (and not before the lesson's own first week).
        var start = timing.Date >= first ? timing.Date : first.AddDays(((int)timing.Date.DayOfWeek - (int)first.DayOfWeek + 7) % 7);
        for (var date = start; date <= last && date <= until; date = date.AddDays(7))
        {
            if (terms.IsEmpty || terms.InTerm(date))
            {
                yield return date;
            }
        }
    }

    // A local time that does not exist (the hour the clocks skip) is taken an hour later; one that happens twice
    // (the hour they repeat) is taken in standard time, as TimeZoneInfo.ConvertTimeToUtc does.
    private static DateTimeOffset Instant(DateOnly date, TimeOnly time, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            local = local.AddHours(1);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }
}
