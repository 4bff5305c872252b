using System.Globalization;
using Appliance.Lessons.Plans;
using Appliance.WebUI.Pages;

namespace Appliance.WebUI.Lessons;

/// <summary>A lesson as the pages list it: the plan, its next occurrence (null: over), its mirror and its last pre-fetch.</summary>
public sealed record LessonSummary(LessonPlan Plan, LessonOccurrence? Next, string? MirrorUrl, LessonFetchView? LastFetch)
{
    public int Usable => Plan.Sites.Count(s => s.IsUsable);

    public int Pending => Plan.Sites.Count(s => s.Status == SiteStatus.Pending);

    /// <summary>Refused (a locked list or a security category) or rejected by a DSL or technician: not in the lesson.</summary>
    public int Refused => Plan.Sites.Count(s => s.Status is SiteStatus.Refused or SiteStatus.Rejected);
}

/// <summary>A site waiting for a decision; <see cref="Own"/>: the lesson is the viewer's own, so another person must decide.</summary>
public sealed record PendingSite(LessonPlan Plan, LessonSite Site, bool Own);

/// <summary><c>/lessons</c>: the visible lessons, upcoming (soonest first) and over; for an approver, the sites waiting.</summary>
public sealed record LessonsPage(PageFrame Frame, bool Off, IReadOnlyList<LessonSummary> Upcoming, IReadOnlyList<LessonSummary> Past,
    IReadOnlyList<PendingSite> Waiting, LessonRole Role, TimeZoneInfo Zone, Notice? Notice)
{
    public bool MayPlan => Role != LessonRole.Viewer;

    public bool MayDecide => Role == LessonRole.Approver;
}

/// <summary>The plan form, new (<see cref="Id"/> null) or an edit, with what was typed and the problems found in it.</summary>
public sealed record LessonFormPage(PageFrame Frame, long? Id, LessonInput Input, IReadOnlyList<string> Groups, IReadOnlyList<LessonProblem> Problems)
{
    public string Action => Id is { } id ? $"/lessons/{id.ToString(CultureInfo.InvariantCulture)}/edit" : "/lessons/new";

    public string? ProblemOf(string field) => Problems.FirstOrDefault(p => p.Field == field)?.Message;
}

/// <summary>One lesson: its sites and their decisions, the last pre-fetch, the next one, and what this person may do with it.</summary>
public sealed record LessonPage(PageFrame Frame, LessonSummary Lesson, DateTimeOffset? NextFetch, LessonRole Role, TimeZoneInfo Zone, Notice? Notice,
    bool ConfirmDelete = false)
{
    public LessonPlan Plan => Lesson.Plan;

    public bool MayChange => Role != LessonRole.Viewer;

    /// <summary>An approver, on someone else's lesson (the planner refuses a decision on one's own).</summary>
    public bool MayDecide => Role == LessonRole.Approver && !string.Equals(Frame.Account?.Name, Plan.Teacher, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The words and numbers the lesson pages show.</summary>
public static class LessonText
{
    /// <summary>Who the sites are opened for.</summary>
    public static string Audience(LessonPlan plan) => (plan.Group, plan.Room) switch
    {
        ({ } group, { } room) => $"group {group} in room {room}",
        ({ } group, null) => $"group {group}",
        (null, { } room) => $"room {room}",
        _ => "nobody",
    };

    public static string Status(SiteStatus status) => status switch
    {
        SiteStatus.Allowed => "Allowed",
        SiteStatus.Pending => "Waiting for approval",
        SiteStatus.Approved => "Approved",
        SiteStatus.Rejected => "Rejected",
        _ => "Refused",
    };

    /// <summary>An instant in the school's time zone (the lesson's own times are in it too).</summary>
    public static string When(DateTimeOffset? at, TimeZoneInfo zone)
        => at is { } t ? TimeZoneInfo.ConvertTime(t, zone).ToString("ddd d MMM yyyy HH:mm", CultureInfo.InvariantCulture) : "never";

    public static string Size(long bytes) => bytes switch
    {
        < 1_000 => $"{bytes} bytes",
        < 1_000_000 => (bytes / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + " kB",
        < 1_000_000_000 => (bytes / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " GB",
    };

    /// <summary>The last pre-fetch in one line: "not fetched yet", or when, how much, and how many lines failed.</summary>
    public static string Fetch(LessonFetchView? fetch, TimeZoneInfo zone)
    {
        if (fetch is null)
        {
            return "not fetched yet";
        }

        if (fetch.FinishedAt is null)
        {
            return $"fetching since {When(fetch.StartedAt, zone)}";
        }

        var failed = fetch.Lines.Count(l => l.Outcome == "failed");
        var stored = fetch.Lines.Count - failed - fetch.Lines.Count(l => l.Outcome == "skipped");
        return $"{When(fetch.FinishedAt, zone)}: {stored} of {fetch.Lines.Count} pages and assets stored ({Size(fetch.StoredBytes)})"
            + (failed > 0 ? $", {failed} failed" : ", none failed");
    }

    /// <summary>Who decided a site and why, in words; empty when nobody has.</summary>
    public static string Decision(LessonSite site, TimeZoneInfo zone) => site.DecidedBy is { } by
        ? $"{(site.Status == SiteStatus.Rejected ? "Rejected" : "Approved")} by {by}, {When(site.DecidedAt, zone)}: {site.DecisionReason}"
        : "";

    /// <summary>The input's id on the form for a planner field (<c>sites[2].url</c> → <c>site-2-url</c>); null: not a field.</summary>
    public static string? InputId(string field)
    {
        if (field.StartsWith("sites[", StringComparison.Ordinal))
        {
            var close = field.IndexOf(']', StringComparison.Ordinal);
            return $"site-{field[6..close]}-{field[(close + 2)..]}";
        }

        return field switch
        {
            "" => null,
            "sites" => "site-0-url",
            _ => field,
        };
    }

    /// <summary>The field's name for the error summary.</summary>
    public static string Label(string field)
    {
        if (field.StartsWith("sites[", StringComparison.Ordinal))
        {
            var close = field.IndexOf(']', StringComparison.Ordinal);
            var row = int.TryParse(field.AsSpan(6, close - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index + 1 : 0;
            return field.EndsWith(".note", StringComparison.Ordinal) ? $"Site {row}: note" : $"Site {row}: address";
        }

        return field switch
        {
            "title" => "Title",
            "group" => "Group",
            "room" => "Room",
            "date" => "Date",
            "start" => "Starts",
            "end" => "Ends",
            "until" => "Every week until",
            "sites" => "Sites",
            "reason" => "Reason",
            _ => "The lesson",
        };
    }
}

/// <summary>A table of lessons on <c>/lessons</c> (upcoming, or over).</summary>
public sealed record LessonRowsModel(string Id, string Caption, IReadOnlyList<LessonSummary> Lessons, TimeZoneInfo Zone);

/// <summary>One labelled input of the lesson form, with its hint and its problem (if any) tied to it for screen readers.</summary>
public sealed record LessonFieldModel(LessonFormPage Form, string Field, string Label, string? Hint, string Value, string Type = "text");

/// <summary>The approve-or-reject form of a waiting site, on the list (<see cref="FromList"/>: the answer is the list again) or the lesson's page.</summary>
public sealed record LessonDecisionModel(PageFrame Frame, LessonPlan Plan, LessonSite Site, bool FromList);
