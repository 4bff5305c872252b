namespace Appliance.Core.Policy;

/// <summary>On which days a schedule applies, relative to the school's terms.</summary>
public enum ScheduleWhen : byte
{
    Always = 0,
    Term = 1,
    Holiday = 2,
}

/// <summary>A moment as the school's clock shows it: the local date and the minute of that day (0–1439).</summary>
public readonly record struct LocalMoment(DateOnly Date, int Minute)
{
    public DayOfWeek Day => Date.DayOfWeek;
}

/// <summary>
/// The school's wall clock: converts instants to local dates and minutes in its time zone, so schedules follow
/// the clocks through daylight-saving changes (a lesson at 09:00 is at 09:00 in October and in March).
/// </summary>
public sealed class SchoolClock
{
    public SchoolClock(TimeZoneInfo zone) => Zone = zone;

    public TimeZoneInfo Zone { get; }

    public LocalMoment At(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, Zone);
        return new LocalMoment(DateOnly.FromDateTime(local.DateTime), (local.Hour * 60) + local.Minute);
    }
}

/// <summary>Term dates: which local dates are school days in term (inclusive ranges, sorted, merged).</summary>
public sealed class TermCalendar
{
    private readonly (DateOnly Start, DateOnly End)[] _terms;

    public TermCalendar(IEnumerable<(DateOnly Start, DateOnly End)> terms) => _terms = [.. terms.OrderBy(t => t.Start)];

    public static TermCalendar None { get; } = new([]);

    public bool IsEmpty => _terms.Length == 0;

    public bool InTerm(DateOnly date)
    {
        foreach (var (start, end) in _terms)
        {
            if (date < start)
            {
                return false;
            }

            if (date <= end)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// One compiled weekly window of a group: on its days, from <see cref="FromMinute"/> to <see cref="ToMinute"/>
/// (local, end exclusive), the group also blocks <see cref="Block"/> and stops blocking <see cref="Unblock"/>.
/// A window with its end before its start runs overnight into the next day; its day and term tests apply to the
/// day it starts (a Friday 22:00–06:00 window covers Saturday 05:00).
/// </summary>
public sealed record ScheduleRule(string Name, byte Days, int FromMinute, int ToMinute, ScheduleWhen When, ulong Block, ulong Unblock)
{
    public const int MinutesPerDay = 24 * 60;

    public static byte DayBit(DayOfWeek day) => (byte)(1 << (int)day);

    public bool IsActive(LocalMoment now, TermCalendar terms)
    {
        if (FromMinute < ToMinute)
        {
            return now.Minute >= FromMinute && now.Minute < ToMinute && AppliesOn(now.Date, terms);
        }

        // Overnight (or a whole day when From == To): today's evening part, or the morning after yesterday's start.
        return (now.Minute >= FromMinute && AppliesOn(now.Date, terms))
            || (now.Minute < ToMinute && AppliesOn(now.Date.AddDays(-1), terms));
    }

    private bool AppliesOn(DateOnly date, TermCalendar terms)
    {
        if ((Days & DayBit(date.DayOfWeek)) == 0)
        {
            return false;
        }

        return When switch
        {
            ScheduleWhen.Term => terms.InTerm(date),
            ScheduleWhen.Holiday => !terms.InTerm(date),
            _ => true,
        };
    }
}
