using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Appliance.Lessons.Plans;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Lessons;

/// <summary>
/// <c>/api/lessons</c>, with the pages' roles and rules: 400 with every field's problem, 403 with why the person may
/// not, 404 for a lesson they may not see (as for one that does not exist), 415 for a body that is not JSON, 503 when
/// lessons are off on this box.
/// </summary>
internal static class LessonApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Lessons.Roles;
        app.MapGet("/api/lessons", List).RequireRoles(roles);
        app.MapGet("/api/lessons/{id:long}", Get).RequireRoles(roles);
        app.MapPost("/api/lessons", Create).RequireRoles(roles);
        app.MapPut("/api/lessons/{id:long}", Update).RequireRoles(roles);
        app.MapDelete("/api/lessons/{id:long}", Delete).RequireRoles(roles);
        app.MapPost("/api/lessons/{id:long}/sites/{siteId:long}/decision", Decide).RequireRoles(roles);
        app.MapPost("/api/lessons/{id:long}/fetch", Fetch).RequireRoles(roles);
    }

    private static IResult List(HttpContext context) => WithPlanner(context, planner =>
    {
        var page = LessonViews.List(context, planner, null);
        return Results.Json([.. page.Upcoming.Concat(page.Past).Select(s => LessonJson.Of(s, withFetch: false, nextFetch: null))],
            LessonJsonContext.Default.IReadOnlyListLessonJson);
    });

    private static IResult Get(HttpContext context, long id) => WithLesson(context, id, (_, plan) => One(context, plan));

    private static Task<IResult> Create(HttpContext context, CancellationToken cancel)
        => Save(context, null, (planner, draft) => planner.Create(LessonAccess.Actor(context), draft), cancel);

    private static Task<IResult> Update(HttpContext context, long id, CancellationToken cancel)
        => Save(context, id, (planner, draft) => planner.Update(LessonAccess.Actor(context), id, draft), cancel);

    private static IResult Delete(HttpContext context, long id) => WithLesson(context, id, (planner, _) =>
        Refusals(() => planner.Delete(LessonAccess.Actor(context), id) ? Results.NoContent() : NotFound(id)));

    private static async Task<IResult> Decide(HttpContext context, long id, long siteId, CancellationToken cancel)
    {
        var (body, refusal) = await ReadAsync(context, LessonJsonContext.Default.SiteDecisionJson, "{\"approve\": true, \"reason\": \"…\"}", cancel);
        return refusal ?? WithLesson(context, id, (planner, _) => Refusals(() =>
        {
            planner.Decide(LessonAccess.Actor(context), id, siteId, body!.Approve, body.Reason ?? "");
            return One(context, planner.Get(LessonAccess.Actor(context), id)!);
        }));
    }

    private static IResult Fetch(HttpContext context, long id) => WithLesson(context, id, (_, plan) => (LessonAccess.Actor(context).Role, LessonAccess.Desk(context)) switch
    {
        (LessonRole.Viewer, _) => Error(StatusCodes.Status403Forbidden, "you can read lessons but not start a fetch"),
        (_, null) => Error(StatusCodes.Status503ServiceUnavailable, "the pre-fetcher is not running on this box"),
        (_, not null) when !plan.Sites.Any(s => s.IsUsable) => Error(StatusCodes.Status409Conflict, "no site of this lesson is allowed or approved yet: there is nothing to fetch"),
        (_, { } desk) when desk.FetchNow(id) => Results.Json(new FetchStartedJson(true, "fetching now"), LessonJsonContext.Default.FetchStartedJson,
            statusCode: StatusCodes.Status202Accepted),
        _ => Results.Json(new FetchStartedJson(false, "a fetch of this lesson is already running"), LessonJsonContext.Default.FetchStartedJson,
            statusCode: StatusCodes.Status409Conflict),
    });

    private static async Task<IResult> Save(HttpContext context, long? id, Func<LessonPlanner, LessonDraft, LessonPlan?> save, CancellationToken cancel)
    {
        var (body, refusal) = await ReadAsync(context, LessonJsonContext.Default.LessonDraftJson,
            "{\"title\", \"group\", \"room\", \"date\": \"YYYY-MM-DD\", \"start\": \"HH:MM\", \"end\", \"weekly\", \"until\", \"sites\": [{\"url\", \"note\"}]}", cancel);
        if (refusal is not null)
        {
            return refusal;
        }

        return WithPlanner(context, planner =>
        {
            if (id is { } existing && planner.Get(LessonAccess.Actor(context), existing) is null)
            {
                return NotFound(existing);
            }

            var (draft, problems) = body!.ToInput().ToDraft(LessonAccess.Policy(context), skipBlankRows: false, out _);
            if (draft is null)
            {
                return Invalid(problems);
            }

            return Refusals(() => save(planner, draft) is not { } plan ? NotFound(id ?? 0)
                : id is null ? Results.Json(Json(context, plan), LessonJsonContext.Default.LessonJson, statusCode: StatusCodes.Status201Created)
                : One(context, plan));
        });
    }

    private static LessonJson Json(HttpContext context, LessonPlan plan)
        => LessonJson.Of(LessonViews.Summary(context, plan), withFetch: true, LessonAccess.Desk(context)?.NextFetch(plan.Id));

    private static IResult One(HttpContext context, LessonPlan plan) => Results.Json(Json(context, plan), LessonJsonContext.Default.LessonJson);

    // The planner's refusals as statuses: its rules (400, each field named), who may (403), a store that cannot write (503).
    private static IResult Refusals(Func<IResult> act)
    {
        try
        {
            return act();
        }
        catch (LessonException ex)
        {
            return Invalid([.. ex.Errors.Select(e => LessonProblem.Parse(e))]);
        }
        catch (LessonAccessException ex)
        {
            return Error(StatusCodes.Status403Forbidden, ex.Message);
        }
        catch (LessonStoreException ex)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, $"the lesson could not be stored, so nothing changed: {ex.Message}");
        }
    }

    private static IResult Invalid(IReadOnlyList<LessonProblem> problems) => Results.Json(
        new LessonErrorJson("the lesson cannot be saved: " + string.Join("; ", problems.Select(p => p.Field.Length > 0 ? $"{p.Field}: {p.Message}" : p.Message)),
            [.. problems.Select(p => new LessonFieldJson(p.Field, p.Message))]),
        LessonJsonContext.Default.LessonErrorJson, statusCode: StatusCodes.Status400BadRequest);

    private static IResult WithPlanner(HttpContext context, Func<LessonPlanner, IResult> then)
        => LessonAccess.Planner(context) is { } planner ? then(planner) : Error(StatusCodes.Status503ServiceUnavailable, "lessons are off on this box");

    private static IResult WithLesson(HttpContext context, long id, Func<LessonPlanner, LessonPlan, IResult> then) => WithPlanner(context, planner =>
        planner.Get(LessonAccess.Actor(context), id) is { } plan ? then(planner, plan) : NotFound(id));

    private static IResult NotFound(long id) => Error(StatusCodes.Status404NotFound, $"there is no lesson {id.ToString(CultureInfo.InvariantCulture)} that you can see");

    private static IResult Error(int status, string message)
        => Results.Json(new LessonErrorJson(message), LessonJsonContext.Default.LessonErrorJson, statusCode: status);

    // Only JSON, read with the source-generated context (AOT). A session's form was already refused (415) by
    // Protections.RequireJsonForSessionApi; this also holds for an API token.
    private static async Task<(T? Body, IResult? Refusal)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, string expected, CancellationToken cancel)
        where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, Error(StatusCodes.Status415UnsupportedMediaType, $"send JSON (Content-Type: application/json): {expected}"));
        }

        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, cancel) is { } body
                ? (body, null)
                : (null, Error(StatusCodes.Status400BadRequest, $"the body is empty; expected {expected}"));
        }
        catch (JsonException ex)
        {
            return (null, Error(StatusCodes.Status400BadRequest, $"the body is not the JSON expected ({expected}): {ex.Message}"));
        }
    }
}
