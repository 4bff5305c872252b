using System.Text.Json.Serialization;
using Appliance.Core.Events;
using Appliance.Journal;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Activity;

/// <summary>
/// The DSL's activity pages (issue 8): search the journal, the live view of the newest events, and one person's or
/// device's timeline ±1 hour around a moment; the same search as JSON under /api/activity. DSL and technician only
/// (<see cref="Navigation.Activity"/>), and every look is audited first (<see cref="ActivityAudit"/>).
/// </summary>
internal static class ActivityEndpoints
{
    /// <summary>The timeline shows this long either side of the moment.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    public const string TimelinePath = "/activity/timeline";
    public const string ApiPath = "/api/activity";
    public const string ScriptPath = "/activity.js";

    /// <summary>At most this many rows either side of the moment (the page links on from its first and last).</summary>
    public const int PerSide = 100;

    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Activity.Roles;
        app.MapGet(Navigation.Activity.Path, Search).RequireRoles(roles);
        app.MapGet(TimelinePath, Timeline).RequireRoles(roles);
        app.MapGet(ApiPath, Api).RequireRoles(roles);
        app.MapGet(ApiPath + "/timeline", ApiTimeline).RequireRoles(roles);
        var script = WebUi.ReadAsset("activity.js");
        app.MapGet(ScriptPath, () => Results.Text(script, "text/javascript")).RequireRoles(roles);
    }

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Search(HttpContext context, QueryJournal journal, ActivityAudit audit)
    {
        var request = ActivityRequest.Parse(context.Request.Query);
        var frame = Frames.For(context, "Activity");
        var (page, problem, status) = Run(context, request, journal, audit);
        var model = page is null
            ? new ActivitySearchPage(frame, request, [], null, null, null, problem, false, 0)
            : Model(frame, request, page);
        var slice = Slices.Activity.Create(model);
        slice.StatusCode = status;
        return slice;
    }

    private static IResult Timeline(HttpContext context, QueryJournal journal, ActivityAudit audit, TimeProvider time)
    {
        var frame = Frames.For(context, "Timeline");
        var (view, problem, status) = RunTimeline(context, journal, audit, time);
        var slice = Slices.ActivityTimeline.Create(view is null
            ? new ActivityTimelinePage(frame, "device", "", "", [], null, null, null, problem)
            : view with { Frame = frame });
        slice.StatusCode = status;
        return slice;
    }
#pragma warning restore CA1859

    private static IResult Api(HttpContext context, QueryJournal journal, ActivityAudit audit)
    {
        var request = ActivityRequest.Parse(context.Request.Query);
        var (page, problem, status) = Run(context, request, journal, audit);
        if (page is null)
        {
            return Results.Json(new ActivityApiError(problem!), ActivityJson.Default.ActivityApiError, statusCode: status);
        }

        var rows = page.Rows.Select(r => ActivityRowView.From(r)).ToList();
        return Results.Json(new ActivityApiPage(rows, page.Older, page.Newer ?? request.After, page.MoreNewer,
            page.SearchedBackTo is { } back ? ActivityText.Time(back) : null), ActivityJson.Default.ActivityApiPage);
    }

    private static IResult ApiTimeline(HttpContext context, QueryJournal journal, ActivityAudit audit, TimeProvider time)
    {
        var (view, problem, status) = RunTimeline(context, journal, audit, time);
        return view is null
            ? Results.Json(new ActivityApiError(problem ?? "Say whose timeline: by=user|device and who=…"), ActivityJson.Default.ActivityApiError, statusCode: status == 200 ? 400 : status)
            : Results.Json(new ActivityApiTimeline(view.By, view.Who, view.At, view.Rows, view.EarlierLink is not null, view.LaterLink is not null), ActivityJson.Default.ActivityApiTimeline);
    }

    // Validates, audits, searches: the page, or why not and the status to answer with.
    private static (ActivityPage? Page, string? Problem, int Status) Run(HttpContext context, ActivityRequest request, QueryJournal journal, ActivityAudit audit)
    {
        if (request.Filter is not { } filter)
        {
            return (null, request.Problem, StatusCodes.Status400BadRequest);
        }

        if (!audit.Search(context, request))
        {
            return (null, ActivityAudit.CannotRecord, StatusCodes.Status503ServiceUnavailable);
        }

        return (journal.Search(filter, QueryJournal.MaxPage, request.Before, request.After), null, StatusCodes.Status200OK);
    }

    private static ActivitySearchPage Model(PageFrame frame, ActivityRequest request, ActivityPage page)
    {
        var rows = page.Rows.Select(r => ActivityRowView.From(r)).ToList();
        var live = request.Before is null && request.After is null;
        var newest = page.Newer ?? request.After ?? 0;
        var older = page.Older is { } o ? request.Link(Navigation.Activity.Path, $"before={o}") : null;
        var newer = page.Newer is not null || request.After is not null ? request.Link(Navigation.Activity.Path, $"after={newest}") : null;
        return new ActivitySearchPage(frame, request, rows, older, newer, page.SearchedBackTo is { } back ? ActivityText.Time(back) : null, null, live, newest);
    }

    private static (ActivityTimelinePage? View, string? Problem, int Status) RunTimeline(HttpContext context, QueryJournal journal, ActivityAudit audit, TimeProvider time)
    {
        var query = context.Request.Query;
        var by = query["by"].ToString() is "user" ? "user" : "device";
        var who = query["who"].ToString().Trim();
        if (who.Length == 0)
        {
            return (null, null, StatusCodes.Status200OK);   // the form alone
        }

        var problems = new List<string>();
        var at = ActivityRequest.Time(query["at"].ToString().Trim(), "At", problems) ?? time.GetUtcNow();
        long? moment = long.TryParse(query["id"], out var id) ? id : null;
        if (problems.Count > 0)
        {
            return (null, problems[0], StatusCodes.Status400BadRequest);
        }

        if (!audit.Record(context, "activity.timeline", $"{by} {who}", AuditDetail.Of(("at", ActivityText.Time(at) + " UTC"), ("window", "±1 h"))))
        {
            return (null, ActivityAudit.CannotRecord, StatusCodes.Status503ServiceUnavailable);
        }

        var timeline = journal.TimelineAround(by == "user" ? TimelineSubject.User : TimelineSubject.Device, who, at, Window, PerSide);
        var rows = timeline.Rows.Select(r => ActivityRowView.From(r, (by, who))).ToList();
        moment ??= timeline.Rows.FirstOrDefault(r => r.Entry.At >= at)?.Id;
        var earlier = timeline.MoreEarlier ? ActivityText.TimelineLink(by, who, timeline.Rows[0].Entry.At, timeline.Rows[0].Id) : null;
        var later = timeline.MoreLater ? ActivityText.TimelineLink(by, who, timeline.Rows[^1].Entry.At, timeline.Rows[^1].Id) : null;
        return (new ActivityTimelinePage(null!, by, who, ActivityText.Field(at), rows, moment, earlier, later, null), null, StatusCodes.Status200OK);
    }
}

/// <summary>A page of /api/activity: rows newest first; <c>older</c> is the next page's <c>before</c>, <c>newest</c> the next poll's <c>after</c>.</summary>
public sealed record ActivityApiPage(IReadOnlyList<ActivityRowView> Rows, long? Older, long? Newest, bool MoreNewer, string? SearchedBackTo);

public sealed record ActivityApiTimeline(string By, string Who, string At, IReadOnlyList<ActivityRowView> Rows, bool MoreEarlier, bool MoreLater);

public sealed record ActivityApiError(string Error);

/// <summary>The activity API's JSON, generated at build time (Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ActivityApiPage))]
[JsonSerializable(typeof(ActivityApiTimeline))]
[JsonSerializable(typeof(ActivityApiError))]
internal sealed partial class ActivityJson : JsonSerializerContext;
