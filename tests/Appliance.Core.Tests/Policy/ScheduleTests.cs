using Appliance.Core.Lists;
using Appliance.Core.Policy;

namespace Appliance.Core.Tests.Policy;

/// <summary>Schedule edges: DST changes, midnight, overnight windows, term dates and half terms.</summary>
public sealed class ScheduleTests
{
    private static readonly ulong Games = Categories.Bit(Category.Games);
    private static readonly ulong Social = Categories.Bit(Category.SocialMedia);

    private static PolicySnapshot Compile(params ScheduleDefinition[] schedules) => PolicyCompiler.Compile(
        new PolicyDocument
        {
            Groups = [new GroupDefinition { Name = "default", BlockedCategories = ["social-media"], Schedules = schedules }],
            Terms =
            [
                new TermDefinition { Name = "Autumn 1", Start = "2026-09-03", End = "2026-10-23" },
                new TermDefinition { Name = "Autumn 2", Start = "2026-11-02", End = "2026-12-18" },
                new TermDefinition { Name = "Spring 1", Start = "2027-01-05", End = "2027-02-12" },
                new TermDefinition { Name = "Spring 2", Start = "2027-02-22", End = "2027-03-26" },
                new TermDefinition { Name = "Summer 1", Start = "2027-04-12", End = "2027-05-28" },
            ],
        },
        PolicyLists.None,
        1);

    private static readonly ScheduleDefinition Lessons = new()
    {
        Name = "lessons", Days = ["weekdays"], From = "09:00", To = "15:00", When = "term", Block = ["games"],
    };

    private static bool GamesBlocked(PolicySnapshot snapshot, DateTimeOffset utc) => (snapshot.CategoriesAt(0, utc) & Games) != 0;

    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void LessonWindow_FollowsLocalClock_AcrossTheSpringDstChange()
    {
        var snapshot = Compile(Lessons);

        // Friday 26 March 2027 is GMT: 09:00 local is 09:00 UTC.
        Assert.False(GamesBlocked(snapshot, Utc(2027, 3, 26, 8, 59)));
        Assert.True(GamesBlocked(snapshot, Utc(2027, 3, 26, 9, 0)));

        // Clocks go forward on Sunday 28 March 2027; after Easter, in BST, 09:00 local is 08:00 UTC.
        Assert.True(GamesBlocked(snapshot, Utc(2027, 4, 12, 8, 0)));
        Assert.False(GamesBlocked(snapshot, Utc(2027, 4, 12, 7, 59)));
        Assert.True(GamesBlocked(snapshot, Utc(2027, 4, 12, 13, 59)));
        Assert.False(GamesBlocked(snapshot, Utc(2027, 4, 12, 14, 0)));   // 15:00 BST: the end is exclusive
    }

    [Fact]
    public void LessonWindow_FollowsLocalClock_AcrossTheAutumnDstChange()
    {
        var snapshot = Compile(Lessons);

        // Thursday 22 October 2026 is BST; Monday 2 November 2026 is GMT (clocks went back on 25 October).
        Assert.True(GamesBlocked(snapshot, Utc(2026, 10, 22, 8, 0)));
        Assert.False(GamesBlocked(snapshot, Utc(2026, 11, 2, 8, 0)));
        Assert.True(GamesBlocked(snapshot, Utc(2026, 11, 2, 9, 0)));
    }

    [Fact]
    public void TermOnlyWindow_OffInHalfTermAndAtWeekends_BackOnTheFirstDayOfTerm()
    {
        var snapshot = Compile(Lessons);

        Assert.True(GamesBlocked(snapshot, Utc(2026, 10, 23, 10, 0)));    // last day of the half term's term (Fri, BST)
        Assert.False(GamesBlocked(snapshot, Utc(2026, 10, 27, 10, 0)));   // half term (Tue)
        Assert.False(GamesBlocked(snapshot, Utc(2026, 11, 7, 10, 0)));    // Saturday in term
        Assert.True(GamesBlocked(snapshot, Utc(2026, 11, 2, 10, 0)));     // first day back (Mon)
        Assert.False(GamesBlocked(snapshot, Utc(2026, 12, 21, 10, 0)));   // Christmas holidays
    }

    [Fact]
    public void HolidayWindow_OnlyOutsideTerm()
    {
        var snapshot = Compile(Lessons with { Name = "holiday club", When = "holiday" });

        Assert.True(GamesBlocked(snapshot, Utc(2026, 10, 27, 10, 0)));
        Assert.False(GamesBlocked(snapshot, Utc(2026, 11, 3, 10, 0)));
    }

    [Fact]
    public void OvernightWindow_CoversMidnight_CountedFromItsStartDay()
    {
        var snapshot = Compile(new ScheduleDefinition { Name = "friday night", Days = ["fri"], From = "22:00", To = "06:00", Block = ["games"] });

        Assert.False(GamesBlocked(snapshot, Utc(2026, 11, 27, 21, 59)));  // Fri 21:59 (GMT)
        Assert.True(GamesBlocked(snapshot, Utc(2026, 11, 27, 22, 0)));
        Assert.True(GamesBlocked(snapshot, Utc(2026, 11, 27, 23, 59)));
        Assert.True(GamesBlocked(snapshot, Utc(2026, 11, 28, 0, 0)));     // Saturday, midnight
        Assert.True(GamesBlocked(snapshot, Utc(2026, 11, 28, 5, 59)));
        Assert.False(GamesBlocked(snapshot, Utc(2026, 11, 28, 6, 0)));
        Assert.False(GamesBlocked(snapshot, Utc(2026, 11, 28, 22, 30)));  // Saturday evening is not Friday
        Assert.False(GamesBlocked(snapshot, Utc(2026, 11, 27, 3, 0)));    // Friday early morning belongs to Thursday
    }

    [Fact]
    public void WindowToMidnight_EndsAt2400()
    {
        var snapshot = Compile(new ScheduleDefinition { Name = "evening", From = "20:00", To = "24:00", Block = ["games"] });

        Assert.True(GamesBlocked(snapshot, Utc(2026, 11, 27, 23, 59)));
        Assert.False(GamesBlocked(snapshot, Utc(2026, 11, 28, 0, 0)));
    }

    [Fact]
    public void Unblock_LiftsAStandingCategory_ForTheWindowOnly()
    {
        var snapshot = Compile(new ScheduleDefinition
        {
            Name = "sixth form lunch", Days = ["weekdays"], From = "12:30", To = "13:30", When = "term", Unblock = ["social-media"],
        });

        Assert.NotEqual(0UL, snapshot.CategoriesAt(0, Utc(2026, 11, 25, 12, 29)) & Social);
        Assert.Equal(0UL, snapshot.CategoriesAt(0, Utc(2026, 11, 25, 12, 30)) & Social);
        Assert.NotEqual(0UL, snapshot.CategoriesAt(0, Utc(2026, 11, 25, 13, 30)) & Social);
    }

    [Fact]
    public void OverlappingBlockAndUnblock_StaysBlocked()
    {
        var snapshot = Compile(
            new ScheduleDefinition { Name = "open", Unblock = ["social-media"] },
            new ScheduleDefinition { Name = "exam week", Block = ["social-media"] });

        Assert.NotEqual(0UL, snapshot.CategoriesAt(0, Utc(2026, 11, 25, 12, 0)) & Social);
    }

    [Fact]
    public void DaylightSavingGap_LocalTimesThatDoNotExist_DoNotBreakTheClock()
    {
        var snapshot = Compile(new ScheduleDefinition { Name = "night", From = "01:00", To = "02:00", Block = ["games"] });

        // 28 March 2027: 01:00 GMT becomes 02:00 BST, so no instant is 01:xx local that day.
        Assert.False(GamesBlocked(snapshot, Utc(2027, 3, 28, 1, 0)));
        Assert.True(GamesBlocked(snapshot, Utc(2027, 3, 27, 1, 30)));
    }
}
