using Appliance.Lessons.Scheduling;
using Appliance.Lessons.Tests.Plans;

namespace Appliance.Lessons.Tests.Scheduling;

public sealed class LessonAgendaTests : IDisposable
{
    private static readonly DateTimeOffset Tuesday0900 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly PlanFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Windows_OnlyUsableSites_WithTheirAudience_AndSameSiteFetchedHosts()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://www.volcano.example/lava", "https://arcade.example/play", "https://abuse.example/")
            with { Room = "10.20.12.0/24" });
        var empty = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://arcade.example/other"));

        var windows = LessonAgenda.Windows(_f.Store.List(), _f.Policy, PlanFixture.Monday0800,
            key => key == plan.Key ? ["static.volcano.example", "cdn.tracker.example"] : []);

        var w = Assert.Single(windows);   // the other lesson has only a pending site
        Assert.Equal((plan.Key, "pupils", "10.20.12.0/24", Tuesday0900, Tuesday0900.AddHours(1)), (w.LessonKey, w.Group, w.Room, w.Start, w.End));
        Assert.Equal(["www.volcano.example", "static.volcano.example"], w.Hosts);
        Assert.DoesNotContain(windows, x => x.LessonKey == empty.Key);
    }

    [Fact]
    public void Windows_FetchedSameSiteHostInABlockedCategory_NotOpened()
    {
        _f.Policy = Appliance.Core.Policy.PolicyCompiler.Compile(PlanFixture.Document,
            PlanFixture.Lists(b => b.Add("games.volcano.example", Appliance.Core.Lists.Categories.Bit(Appliance.Core.Lists.Category.Games))), 2);
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://www.volcano.example/lava"));

        var w = Assert.Single(LessonAgenda.Windows(_f.Store.List(), _f.Policy, PlanFixture.Monday0800,
            key => key == plan.Key ? ["games.volcano.example", "static.volcano.example"] : []));

        Assert.Equal(["www.volcano.example", "static.volcano.example"], w.Hosts);   // the redirect target in games is left out
        Assert.Equal(["=www.volcano.example", "=static.volcano.example"], w.ToLessonWindow().Hosts);
    }

    [Fact]
    public void Windows_AnApprovedSitesOwnHostsInItsCategory_JoinIt()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://play.arcade.example/physics"));
        _f.Planner.Decide(PlanFixture.Dsl, plan.Id, plan.Sites[0].Id, approve: true, "projectiles");

        var w = Assert.Single(LessonAgenda.Windows(_f.Store.List(), _f.Policy, PlanFixture.Monday0800,
            key => ["cdn.arcade.example", "phish.example", "bad host!"]));

        Assert.Equal(["play.arcade.example", "cdn.arcade.example"], w.Hosts);
    }

    [Fact]
    public void FetchJudge_StatutoryAndSecurityNever_BlockedOnlyForAnApprovedSite()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://www.volcano.example/", "https://play.arcade.example/physics"));
        var judge = LessonAgenda.FetchJudge(_f.Store.Get(plan.Id)!, _f.Policy, PlanFixture.Monday0800);

        Assert.Null(judge(new Uri("https://www.volcano.example/lava")));
        Assert.Matches("statutory list.*never fetched$", judge(new Uri("https://abuse.example/x")));
        Assert.Contains("security category", judge(new Uri("https://phish.example/")), StringComparison.Ordinal);
        Assert.Contains("not fetched", judge(new Uri("https://cdn.arcade.example/sprite.png")), StringComparison.Ordinal);   // pending: not yet

        _f.Planner.Decide(PlanFixture.Dsl, plan.Id, plan.Sites[1].Id, approve: true, "projectiles");
        judge = LessonAgenda.FetchJudge(_f.Store.Get(plan.Id)!, _f.Policy, PlanFixture.Monday0800);

        Assert.Null(judge(new Uri("https://cdn.arcade.example/sprite.png")));   // the approved site's own host
        Assert.Contains("never fetched", judge(new Uri("https://abuse.example/x")), StringComparison.Ordinal);
    }

    [Fact]
    public void Windows_BeyondTheHorizonOrOver_NotLoaded()
    {
        _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://www.volcano.example/"));

        Assert.Empty(LessonAgenda.Windows(_f.Store.List(), _f.Policy, Tuesday0900.AddHours(1)));
        Assert.Empty(LessonAgenda.Windows(_f.Store.List(), _f.Policy, Tuesday0900 - LessonAgenda.Horizon - TimeSpan.FromMinutes(1)));
        Assert.Single(LessonAgenda.Windows(_f.Store.List(), _f.Policy, Tuesday0900.AddMinutes(59)));
    }

    [Fact]
    public void DueForFetch_AfterTheLeadTime_UntilTheLessonEnds()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://www.volcano.example/"));
        var lead = TimeSpan.FromHours(24);
        var plans = _f.Store.List();

        Assert.Empty(LessonAgenda.DueForFetch(plans, _f.Policy, Tuesday0900 - lead - TimeSpan.FromMinutes(1), lead));
        Assert.Equal(Tuesday0900, Assert.Single(LessonAgenda.DueForFetch(plans, _f.Policy, Tuesday0900 - lead, lead)).For.Start);
        Assert.Empty(LessonAgenda.DueForFetch(plans, _f.Policy, Tuesday0900.AddHours(1), lead));
        Assert.Equal(Tuesday0900 - lead, LessonAgenda.NextFetch(plan, _f.Policy, PlanFixture.Monday0800 - lead, lead));
        Assert.Equal(Tuesday0900 - lead, LessonAgenda.NextFetch(plan, _f.Policy, PlanFixture.Monday0800, lead));
        Assert.Equal(Tuesday0900.AddHours(-1), LessonAgenda.NextFetch(plan, _f.Policy, Tuesday0900.AddHours(-1), lead));   // due: now
        Assert.Null(LessonAgenda.NextFetch(plan, _f.Policy, Tuesday0900.AddHours(2), lead));
    }

    [Fact]
    public void WarmNames_FromShortlyBeforeTheLessonUntilItEnds()
    {
        _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://www.volcano.example/"));
        var windows = LessonAgenda.Windows(_f.Store.List(), _f.Policy, PlanFixture.Monday0800);

        Assert.Empty(LessonAgenda.WarmNames(windows, Tuesday0900 - LessonAgenda.WarmBefore - TimeSpan.FromSeconds(1)));
        Assert.Equal(["www.volcano.example"], LessonAgenda.WarmNames(windows, Tuesday0900 - LessonAgenda.WarmBefore));
        Assert.Empty(LessonAgenda.WarmNames(windows, Tuesday0900.AddHours(1)));
    }

    [Fact]
    public void Keep_DropsLessonsOverForLongerThanKeepAfter()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://www.volcano.example/"));
        var keep = TimeSpan.FromDays(1);

        Assert.Contains(plan.Key, LessonAgenda.Keep(_f.Store.List(), _f.Policy, Tuesday0900.AddHours(1) + keep - TimeSpan.FromSeconds(1), keep));
        Assert.DoesNotContain(plan.Key, LessonAgenda.Keep(_f.Store.List(), _f.Policy, Tuesday0900.AddHours(1) + keep, keep));
    }
}
