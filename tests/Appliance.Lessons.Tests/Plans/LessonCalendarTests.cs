using Appliance.Core.Policy;
using Appliance.Lessons.Plans;

namespace Appliance.Lessons.Tests.Plans;

public sealed class LessonCalendarTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
    private static readonly TermCalendar Terms = new([(new DateOnly(2027, 1, 5), new DateOnly(2027, 2, 12)), (new DateOnly(2027, 2, 22), new DateOnly(2027, 3, 26))]);

    [Fact]
    public void Weekly_KeepsLocalTimeAcrossTheClockChange_AndSkipsHalfTerm()
    {
        // Tuesdays 09:00–10:00 from 5 Jan to 30 Mar 2027; half term 15–19 Feb; clocks go forward on 28 Mar.
        var timing = new LessonTiming(new DateOnly(2027, 1, 5), new TimeOnly(9, 0), new TimeOnly(10, 0), true, new DateOnly(2027, 3, 30));

        var all = LessonCalendar.Between(timing, London, Terms, new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 4, 30, 0, 0, 0, TimeSpan.Zero));

        Assert.DoesNotContain(all, o => o.Start.Month == 2 && o.Start.Day == 16);   // half term
        Assert.Equal(new DateTimeOffset(2027, 1, 5, 9, 0, 0, TimeSpan.Zero), all[0].Start);
        Assert.Equal(new DateTimeOffset(2027, 3, 23, 9, 0, 0, TimeSpan.Zero), all[^1].Start);   // 30 Mar is after term
        Assert.Equal(11, all.Count);   // 5 Jan … 23 Mar is 12 Tuesdays, less half term
        Assert.All(all, o => Assert.Equal(TimeSpan.FromHours(1), o.End - o.Start));
    }

    [Fact]
    public void Weekly_InSummerTime_StartsAnHourEarlierInUtc()
    {
        var timing = new LessonTiming(new DateOnly(2027, 3, 23), new TimeOnly(9, 0), new TimeOnly(10, 0), true, new DateOnly(2027, 4, 6));

        var all = LessonCalendar.Between(timing, London, TermCalendar.None, new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 5, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal([new DateTimeOffset(2027, 3, 23, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 30, 8, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 4, 6, 8, 0, 0, TimeSpan.Zero)],
            all.Select(o => o.Start));
    }

    [Fact]
    public void Between_OnlyOverlappingOccurrences()
    {
        var timing = new LessonTiming(new DateOnly(2026, 12, 1), new TimeOnly(9, 0), new TimeOnly(10, 0), false, null);
        var start = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

        Assert.Single(LessonCalendar.Between(timing, London, TermCalendar.None, start.AddMinutes(59), start.AddHours(3)));
        Assert.Empty(LessonCalendar.Between(timing, London, TermCalendar.None, start.AddHours(1), start.AddHours(3)));
        Assert.Empty(LessonCalendar.Between(timing, London, TermCalendar.None, start.AddHours(-3), start));
    }

    [Fact]
    public void Next_SkipsEndedOccurrences_NullWhenOver()
    {
        var timing = new LessonTiming(new DateOnly(2027, 1, 5), new TimeOnly(9, 0), new TimeOnly(10, 0), true, new DateOnly(2027, 1, 19));

        Assert.Equal(new DateTimeOffset(2027, 1, 12, 9, 0, 0, TimeSpan.Zero), LessonCalendar.Next(timing, London, Terms, new DateTimeOffset(2027, 1, 5, 10, 0, 0, TimeSpan.Zero))?.Start);
        Assert.Equal(new DateTimeOffset(2027, 1, 5, 9, 0, 0, TimeSpan.Zero), LessonCalendar.Next(timing, London, Terms, new DateTimeOffset(2027, 1, 5, 9, 30, 0, TimeSpan.Zero))?.Start);
        Assert.Null(LessonCalendar.Next(timing, London, Terms, new DateTimeOffset(2027, 1, 19, 10, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2027, 1, 19, 10, 0, 0, TimeSpan.Zero), LessonCalendar.LastEnd(timing, London));
    }

    [Fact]
    public void NonexistentLocalTime_TakenAnHourLater()
    {
        // 01:30 on 28 Mar 2027 does not exist in London (01:00 → 02:00).
        var timing = new LessonTiming(new DateOnly(2027, 3, 28), new TimeOnly(1, 30), new TimeOnly(3, 0), false, null);

        var o = Assert.Single(LessonCalendar.Between(timing, London, TermCalendar.None, new DateTimeOffset(2027, 3, 27, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 29, 0, 0, 0, TimeSpan.Zero)));

        Assert.Equal(new DateTimeOffset(2027, 3, 28, 1, 30, 0, TimeSpan.Zero), o.Start);   // 02:30 BST
    }
}
