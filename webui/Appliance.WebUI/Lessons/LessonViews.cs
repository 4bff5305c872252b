using Appliance.Core.Policy;
using Appliance.Lessons.Plans;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Http;

namespace Appliance.WebUI.Lessons;

/// <summary>Builds the lesson pages' models from the planner, the running policy and the host's lesson desk.</summary>
internal static class LessonViews
{
    public static LessonSummary Summary(HttpContext context, LessonPlan plan)
    {
        var policy = LessonAccess.Policy(context);
        var desk = LessonAccess.Desk(context);
        var next = LessonCalendar.Next(plan.Timing, policy.Clock.Zone, policy.Terms, LessonAccess.Time(context).GetUtcNow());
        return new LessonSummary(plan, next, Absolute(context.Request, desk?.MirrorUrl(plan.Id)), desk?.LastFetch(plan.Id));
    }

    // Without a name of its own the mirror is a path on the box's web listener ("/mirror/42/"): shown whole, with the
    // address the person reached the box by, since a teacher copies it to the class.
    private static string? Absolute(HttpRequest request, string? mirror)
        => mirror is ['/', ..] ? $"{request.Scheme}://{request.Host}{request.PathBase}{mirror}" : mirror;

    /// <summary>
    /// The lessons the person may see, upcoming first (soonest first), then those that are over (latest first); for a
    /// DSL or technician, every site of an upcoming lesson that waits for a decision (a site of a lesson that is over
    /// no longer matters).
    /// </summary>
    public static LessonsPage List(HttpContext context, LessonPlanner? planner, Notice? notice)
    {
        var actor = LessonAccess.Actor(context);
        var zone = LessonAccess.Policy(context).Clock.Zone;
        var frame = Frames.For(context, Navigation.Lessons.Title);
        if (planner is null)
        {
            return new LessonsPage(frame, true, [], [], [], actor.Role, zone, notice);
        }

        var all = planner.Visible(actor).Select(p => Summary(context, p)).ToList();
        var upcoming = all.Where(s => s.Next is not null).OrderBy(s => s.Next!.Value.Start).ToList();
        var past = all.Where(s => s.Next is null).OrderByDescending(s => LessonCalendar.LastEnd(s.Plan.Timing, zone)).ToList();
        var waiting = actor.Role != LessonRole.Approver ? [] : upcoming
            .SelectMany(s => s.Plan.Sites.Where(site => site.Status == SiteStatus.Pending)
                .Select(site => new PendingSite(s.Plan, site, string.Equals(s.Plan.Teacher, actor.Name, StringComparison.OrdinalIgnoreCase))))
            .ToList();
        return new LessonsPage(frame, false, upcoming, past, waiting, actor.Role, zone, notice);
    }

    /// <summary>How many sites of upcoming lessons wait for a DSL or technician (the dashboard's line); null when lessons are off.</summary>
    public static int? WaitingCount(HttpContext context)
    {
        if (LessonAccess.Planner(context) is not { } planner)
        {
            return null;
        }

        var policy = LessonAccess.Policy(context);
        var now = LessonAccess.Time(context).GetUtcNow();
        return planner.Store.WithPendingSites()
            .Where(p => LessonCalendar.Next(p.Timing, policy.Clock.Zone, policy.Terms, now) is not null)
            .Sum(p => p.Sites.Count(s => s.Status == SiteStatus.Pending));
    }

    public static LessonPage Lesson(HttpContext context, LessonPlan plan, Notice? notice, bool confirmDelete = false)
    {
        var summary = Summary(context, plan);
        return new LessonPage(Frames.For(context, plan.Title), summary, LessonAccess.Desk(context)?.NextFetch(plan.Id), LessonAccess.Actor(context).Role,
            LessonAccess.Policy(context).Clock.Zone, notice, confirmDelete);
    }

    public static LessonFormPage Form(HttpContext context, long? id, LessonInput input, IReadOnlyList<LessonProblem> problems)
    {
        var title = id is null ? "Plan a lesson" : "Change the lesson";
        return new LessonFormPage(Frames.For(context, title), id, input, Groups(LessonAccess.Policy(context)), problems);
    }

    /// <summary>"Saved: 2 sites allowed, 1 waiting for approval, 1 refused." — what happened to the sites, in words.</summary>
    public static string Outcome(LessonPlan plan, string done)
    {
        var parts = new List<string>();
        Add(plan.Sites.Count(s => s.Status == SiteStatus.Allowed), "allowed");
        Add(plan.Sites.Count(s => s.Status == SiteStatus.Approved), "approved");
        Add(plan.Sites.Count(s => s.Status == SiteStatus.Pending), "waiting for a DSL's or technician's approval");
        Add(plan.Sites.Count(s => s.Status == SiteStatus.Rejected), "rejected");
        Add(plan.Sites.Count(s => s.Status == SiteStatus.Refused), "refused (see why below)");
        return $"Lesson #{plan.Key} {done}: {string.Join(", ", parts)}.";

        void Add(int count, string words)
        {
            if (count > 0)
            {
                parts.Add($"{count} {(count == 1 ? "site" : "sites")} {words}");
            }
        }
    }

    private static IReadOnlyList<string> Groups(PolicySnapshot policy) => [.. policy.Groups.Select(g => g.Name)];
}
