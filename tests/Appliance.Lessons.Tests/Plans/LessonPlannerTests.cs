using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.Lessons.Plans;

namespace Appliance.Lessons.Tests.Plans;

public sealed class LessonPlannerTests : IDisposable
{
    private readonly PlanFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Create_ClassifiesEachSiteAgainstTheClassPolicy()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft(
            "https://www.volcano.example/lava", "https://arcade.example/play", "https://abuse.example/", "https://phish.example/login",
            "https://denied.example/"));

        Assert.Equal("ms.jones", plan.Teacher);
        Assert.Equal([SiteStatus.Allowed, SiteStatus.Pending, SiteStatus.Refused, SiteStatus.Refused, SiteStatus.Pending],
            plan.Sites.Select(s => s.Status));
        Assert.Contains("Games", plan.Sites[1].StatusReason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("statutory", plan.Sites[2].StatusReason, StringComparison.Ordinal);
        Assert.Contains("security", plan.Sites[3].StatusReason, StringComparison.Ordinal);
        Assert.Contains("deny", plan.Sites[4].StatusReason, StringComparison.Ordinal);
        Assert.Equal("www.volcano.example", plan.Sites[0].Host);
        var stored = _f.Store.Get(plan.Id)!;
        Assert.Equal(plan with { Sites = [] }, stored with { Sites = [] });
        Assert.Equal(plan.Sites, stored.Sites);
        var audit = Assert.Single(_f.Audit.Entries);
        Assert.Equal(("ms.jones", "lesson.create", plan.Key), (audit.Actor, audit.Action, audit.Subject));
    }

    [Fact]
    public void Create_SameSiteForStaff_GoesStraightIn()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://arcade.example/play") with { Group = "staff" });

        Assert.Equal(SiteStatus.Allowed, Assert.Single(plan.Sites).Status);
    }

    [Fact]
    public void Create_RoomOnly_JudgedByEveryGroupThatMayBeInTheRoom()
    {
        // 10.30.0.0/24 maps to no group (the default, pupils); staff-only rules must not decide a room-only lesson either.
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://arcade.example/play") with { Group = null, Room = "10.30.0.0/24" });

        var site = Assert.Single(plan.Sites);
        Assert.Equal(SiteStatus.Pending, site.Status);
        Assert.Contains("group pupils", site.StatusReason, StringComparison.Ordinal);
        Assert.Equal("10.30.0.0/24", plan.Room);
    }

    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("10.0.0.0/8")]
    [InlineData("10.20.0.0/21")]
    [InlineData("2001:db8::/48")]
    public void Create_RoomWiderThanARoom_Refused(string room)
    {
        var ex = Assert.Throws<LessonException>(() => _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://a.example/") with { Room = room }));

        Assert.Contains(ex.Errors, e => e.StartsWith($"room: '{room}' is wider than a room", StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_SiteTheApproverAddedToSomeoneElsesLesson_Refused()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://news.example/"));
        var edited = _f.Planner.Update(PlanFixture.Dsl, plan.Id, PlanFixture.Draft("https://news.example/", "https://arcade.example/play"))!;
        Assert.Equal(("ms.jones", "dsl.patel"), (edited.Sites[0].AddedBy, edited.Sites[1].AddedBy));

        var ex = Assert.Throws<LessonAccessException>(() => _f.Planner.Decide(PlanFixture.Dsl, plan.Id, edited.Sites[1].Id, true, "mine"));

        Assert.Contains("you added this site", ex.Message, StringComparison.Ordinal);
        Assert.Equal(SiteStatus.Approved, _f.Planner.Decide(new LessonActor("tech.lee", LessonRole.Approver), plan.Id, edited.Sites[1].Id, true, "ok").Status);
    }

    [Fact]
    public void Update_ChangingTheTimes_AsksAgain()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://arcade.example/play"));
        _f.Planner.Decide(PlanFixture.Dsl, plan.Id, plan.Sites[0].Id, approve: true, "one lesson");
        var weekly = PlanFixture.Draft("https://arcade.example/play") with
        {
            Timing = new LessonTiming(new DateOnly(2026, 12, 1), new TimeOnly(9, 0), new TimeOnly(10, 0), true, new DateOnly(2027, 7, 20)),
        };

        var updated = _f.Planner.Update(PlanFixture.Teacher, plan.Id, weekly)!;

        Assert.Equal(SiteStatus.Pending, updated.Sites[0].Status);
    }

    [Fact]
    public void Create_BadDraft_ListsEveryProblemByFieldAndStoresNothing()
    {
        var draft = new LessonDraft("", "nobody", "10.0.0/8", new LessonTiming(new DateOnly(2026, 11, 1), new TimeOnly(10, 0), new TimeOnly(9, 0), false, null),
            [new SiteDraft("ftp://files.example/", ""), new SiteDraft("https://10.1.2.3/", ""), new SiteDraft("https://user:pw@site.example/", "")]);

        var ex = Assert.Throws<LessonException>(() => _f.Planner.Create(PlanFixture.Teacher, draft));

        Assert.Contains(ex.Errors, e => e.StartsWith("title:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("group: 'nobody'", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("room:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("end:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("date: the lesson is in the past", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("sites[0].url:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("sites[1].url:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("sites[2].url:", StringComparison.Ordinal));
        Assert.Empty(_f.Store.List());
        Assert.Empty(_f.Audit.Entries);
    }

    [Fact]
    public void Create_WeeklyWithoutUntil_Refused()
    {
        var draft = PlanFixture.Draft("https://a.example/") with { Timing = new LessonTiming(new DateOnly(2026, 12, 1), new TimeOnly(9, 0), new TimeOnly(10, 0), true, null) };

        var ex = Assert.Throws<LessonException>(() => _f.Planner.Create(PlanFixture.Teacher, draft));

        Assert.Contains(ex.Errors, e => e.StartsWith("until:", StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_DslApprovesPendingSite_WithReasonAudited()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://arcade.example/play"));
        var changes = 0;
        _f.Planner.Changed += () => changes++;

        var site = _f.Planner.Decide(PlanFixture.Dsl, plan.Id, plan.Sites[0].Id, approve: true, "physics of projectiles");

        Assert.Equal(SiteStatus.Approved, site.Status);
        var stored = _f.Store.Get(plan.Id)!.Sites[0];
        Assert.Equal((SiteStatus.Approved, "dsl.patel", "physics of projectiles"), (stored.Status, stored.DecidedBy, stored.DecisionReason));
        Assert.Equal(PlanFixture.Monday0800, stored.DecidedAt);
        var audit = _f.Audit.Entries[^1];
        Assert.Equal(("dsl.patel", "lesson.site.approve"), (audit.Actor, audit.Action));
        Assert.Contains("physics of projectiles", audit.Detail, StringComparison.Ordinal);
        Assert.Equal(1, changes);
    }

    [Fact]
    public void Decide_Twice_SecondIsRefusedAndNothingChanges()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://arcade.example/play"));
        _f.Planner.Decide(PlanFixture.Dsl, plan.Id, plan.Sites[0].Id, approve: false, "not needed");

        var ex = Assert.Throws<LessonException>(() => _f.Planner.Decide(new LessonActor("tech.lee", LessonRole.Approver), plan.Id, plan.Sites[0].Id, true, "yes"));

        Assert.Contains("rejected", ex.Message, StringComparison.Ordinal);
        Assert.Equal(SiteStatus.Rejected, _f.Store.Get(plan.Id)!.Sites[0].Status);
    }

    [Theory]
    [InlineData("https://abuse.example/")]
    [InlineData("https://phish.example/")]
    public void Decide_RefusedSite_CanNeverBeApproved(string url)
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft(url));

        Assert.Throws<LessonException>(() => _f.Planner.Decide(PlanFixture.Dsl, plan.Id, plan.Sites[0].Id, approve: true, "please"));

        Assert.Equal(SiteStatus.Refused, _f.Store.Get(plan.Id)!.Sites[0].Status);
    }

    [Fact]
    public void Decide_ByTeacherOrHeadOrOnOwnLesson_Refused()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://arcade.example/play"));
        var own = _f.Planner.Create(PlanFixture.Dsl, PlanFixture.Draft("https://arcade.example/play"));

        Assert.Throws<LessonAccessException>(() => _f.Planner.Decide(PlanFixture.Teacher, plan.Id, plan.Sites[0].Id, true, "mine"));
        Assert.Throws<LessonAccessException>(() => _f.Planner.Decide(PlanFixture.Head, plan.Id, plan.Sites[0].Id, true, "ok"));
        Assert.Throws<LessonAccessException>(() => _f.Planner.Decide(PlanFixture.Dsl, own.Id, own.Sites[0].Id, true, "self"));
        Assert.Throws<LessonException>(() => _f.Planner.Decide(PlanFixture.Dsl, plan.Id, plan.Sites[0].Id, true, "  "));
        Assert.All(_f.Store.List(), p => Assert.Equal(SiteStatus.Pending, p.Sites[0].Status));
    }

    [Fact]
    public void Visibility_TeacherSeesOwnOnly_HeadSeesAllButChangesNothing()
    {
        var mine = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://a.example/"));
        var theirs = _f.Planner.Create(PlanFixture.OtherTeacher, PlanFixture.Draft("https://b.example/"));

        Assert.Equal([mine.Id], _f.Planner.Visible(PlanFixture.Teacher).Select(p => p.Id));
        Assert.Null(_f.Planner.Get(PlanFixture.Teacher, theirs.Id));
        Assert.False(_f.Planner.Delete(PlanFixture.Teacher, theirs.Id));
        Assert.Null(_f.Planner.Update(PlanFixture.Teacher, theirs.Id, PlanFixture.Draft("https://c.example/")));
        Assert.Equal(2, _f.Planner.Visible(PlanFixture.Head).Count);
        Assert.Throws<LessonAccessException>(() => _f.Planner.Delete(PlanFixture.Head, mine.Id));
        Assert.Throws<LessonAccessException>(() => _f.Planner.Create(PlanFixture.Head, PlanFixture.Draft("https://d.example/")));
        Assert.Equal(2, _f.Store.List().Count);
    }

    [Fact]
    public void Update_KeepsDecisionForSameAddress_ClassifiesNewOnes()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://arcade.example/play"));
        _f.Planner.Decide(PlanFixture.Dsl, plan.Id, plan.Sites[0].Id, approve: true, "projectiles");

        var updated = _f.Planner.Update(PlanFixture.Teacher, plan.Id, PlanFixture.Draft("https://arcade.example/play", "https://arcade.example/other"))!;

        Assert.Equal([SiteStatus.Approved, SiteStatus.Pending], updated.Sites.Select(s => s.Status));
        Assert.Equal(plan.Sites[0].Id, updated.Sites[0].Id);
    }

    [Fact]
    public void Update_ChangingTheAudience_AsksAgain()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://arcade.example/play") with { Group = "staff" });

        var updated = _f.Planner.Update(PlanFixture.Teacher, plan.Id, PlanFixture.Draft("https://arcade.example/play"))!;

        Assert.Equal(SiteStatus.Pending, updated.Sites[0].Status);
    }

    [Fact]
    public void Reclassify_ListChange_AllowedBecomesPending_ApprovedBecomesRefusedWhenStatutory()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://news.example/", "https://arcade.example/play"));
        _f.Planner.Decide(PlanFixture.Dsl, plan.Id, plan.Sites[1].Id, approve: true, "projectiles");
        var statutory = new DomainSetBuilder();
        statutory.Add("arcade.example", Categories.Bit(Category.StatutoryTerrorism));
        var lists = PlanFixture.Lists(b => b.Add("news.example", Categories.Bit(Category.SocialMedia)));
        _f.Policy = PolicyCompiler.Compile(PlanFixture.Document, lists with { Statutory = statutory.Build() }, 2);

        var changed = _f.Planner.Reclassify();

        Assert.Equal(2, changed);
        Assert.Equal([SiteStatus.Pending, SiteStatus.Refused], _f.Store.Get(plan.Id)!.Sites.Select(s => s.Status));
        Assert.Equal(2, _f.Audit.Entries.Count(e => e.Action == "lesson.site.reclassify" && e.Actor == "system"));
        Assert.Equal(0, _f.Planner.Reclassify());
    }
}
