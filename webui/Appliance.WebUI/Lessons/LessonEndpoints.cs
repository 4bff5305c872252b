using System.Globalization;
using Appliance.Lessons.Plans;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Lessons;

/// <summary>
/// The lesson pages (issue 9): the list with the sites waiting for approval, the plan form (new and edit), one lesson
/// with its sites, decisions and last pre-fetch, "fetch now", and delete with a confirm step. Who may do what is the
/// <see cref="LessonPlanner"/>'s rule (it also audits every change); these handlers turn its refusals into pages. The
/// JSON API is <see cref="LessonApi"/>.
/// </summary>
internal static class LessonEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Lessons.Roles;
        app.MapGet(Navigation.Lessons.Path, (HttpContext context) => Render(LessonViews.List(context, LessonAccess.Planner(context), null))).RequireRoles(roles);
        app.MapGet("/lessons/new", NewForm).RequireRoles(roles);
        app.MapPost("/lessons/new", Create).RequireRoles(roles);
        app.MapGet("/lessons/{id:long}", Show).RequireRoles(roles);
        app.MapGet("/lessons/{id:long}/edit", EditForm).RequireRoles(roles);
        app.MapPost("/lessons/{id:long}/edit", Update).RequireRoles(roles);
        app.MapPost("/lessons/{id:long}/sites/{siteId:long}/decision", Decide).RequireRoles(roles);
        // These read no form fields of their own: they say they need the form token, as sign-out does.
        app.MapPost("/lessons/{id:long}/fetch", Fetch).RequireRoles(roles).WithMetadata(new RequireAntiforgeryTokenAttribute());
        app.MapGet("/lessons/{id:long}/delete", ConfirmDelete).RequireRoles(roles);
        app.MapPost("/lessons/{id:long}/delete", Delete).RequireRoles(roles).WithMetadata(new RequireAntiforgeryTokenAttribute());
        LessonApi.Map(app);
    }

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult NewForm(HttpContext context) => WithPlanner(context, _ =>
        LessonAccess.Actor(context).Role == LessonRole.Viewer
            ? ListWith(context, "You can read lessons here but not plan them: teachers, DSLs and technicians plan lessons.", StatusCodes.Status403Forbidden)
            : Render(LessonViews.Form(context, null, LessonInput.Blank, [])));

    private static IResult Create(HttpContext context, IFormCollection form) => WithPlanner(context, planner =>
        Save(context, null, LessonInput.From(form), draft => planner.Create(LessonAccess.Actor(context), draft), "saved"));

    private static IResult Show(HttpContext context, long id) => WithLesson(context, id, (_, plan) => Render(LessonViews.Lesson(context, plan, null)));

    private static IResult EditForm(HttpContext context, long id) => WithLesson(context, id, (_, plan) =>
        LessonAccess.Actor(context).Role == LessonRole.Viewer
            ? Render(LessonViews.Lesson(context, plan, new Notice("You can read this lesson but not change it.", true)), StatusCodes.Status403Forbidden)
            : Render(LessonViews.Form(context, id, LessonInput.Of(plan), [])));

    private static IResult Update(HttpContext context, long id, IFormCollection form) => WithLesson(context, id, (planner, _) =>
        Save(context, id, LessonInput.From(form), draft => planner.Update(LessonAccess.Actor(context), id, draft), "changed"));

    private static IResult Decide(HttpContext context, long id, long siteId, IFormCollection form) => WithLesson(context, id, (planner, plan) =>
    {
        var approve = form["decision"] == "approve";
        var backToList = form["from"] == "list";
        Notice notice;
        var status = StatusCodes.Status200OK;
        try
        {
            if (!approve && form["decision"] != "reject")
            {
                throw new LessonException("decision: choose approve or reject");
            }

            var site = planner.Decide(LessonAccess.Actor(context), id, siteId, approve, form["reason"].ToString());
            notice = new Notice($"{site.Url} {(approve ? "approved: it is open to the class in the lesson's time and will be fetched" : "rejected")}.", false);
        }
        catch (LessonAccessException ex)
        {
            (notice, status) = (new Notice(Sentence(ex.Message), true), StatusCodes.Status403Forbidden);
        }
        catch (LessonException ex)
        {
            (notice, status) = (new Notice(string.Join(" ", ex.Errors.Select(e => Sentence(LessonProblem.Parse(e).Message))), true), StatusCodes.Status400BadRequest);
        }

        return backToList
            ? Render(LessonViews.List(context, planner, notice), status)
            : Render(LessonViews.Lesson(context, planner.Get(LessonAccess.Actor(context), id) ?? plan, notice), status);
    });

    private static IResult Fetch(HttpContext context, long id) => WithLesson(context, id, (_, plan) =>
    {
        var (notice, status) = (LessonAccess.Actor(context).Role, LessonAccess.Desk(context)) switch
        {
            (LessonRole.Viewer, _) => (new Notice("You can read this lesson but not start a fetch.", true), StatusCodes.Status403Forbidden),
            (_, null) => (new Notice("The pre-fetcher is not running on this box, so nothing can be fetched now.", true), StatusCodes.Status503ServiceUnavailable),
            (_, not null) when !plan.Sites.Any(s => s.IsUsable) => (new Notice("No site of this lesson is allowed or approved yet: there is nothing to fetch.", true), StatusCodes.Status409Conflict),
            (_, { } desk) when desk.FetchNow(id) => (new Notice("Fetching now. Reload this page in a minute to see the report.", false), StatusCodes.Status200OK),
            _ => (new Notice("A fetch of this lesson is already running; reload this page to see how it went.", true), StatusCodes.Status409Conflict),
        };
        return Render(LessonViews.Lesson(context, plan, notice), status);
    });

    private static IResult ConfirmDelete(HttpContext context, long id) => WithLesson(context, id, (_, plan) =>
        LessonAccess.Actor(context).Role == LessonRole.Viewer
            ? Render(LessonViews.Lesson(context, plan, new Notice("You can read this lesson but not delete it.", true)), StatusCodes.Status403Forbidden)
            : Render(LessonViews.Lesson(context, plan, null, confirmDelete: true)));

    private static IResult Delete(HttpContext context, long id) => WithLesson(context, id, (planner, plan) =>
    {
        try
        {
            return planner.Delete(LessonAccess.Actor(context), id)
                ? Render(LessonViews.List(context, planner, new Notice($"Lesson #{plan.Key} \u201c{plan.Title}\u201d deleted; its sites are no longer opened for it.", false)))
                : NotFound(context, planner, id);
        }
        catch (LessonAccessException ex)
        {
            return Render(LessonViews.Lesson(context, plan, new Notice(Sentence(ex.Message), true)), StatusCodes.Status403Forbidden);
        }
    });

    // Create and update alike: read the form, let the planner judge it, and show the form again with every problem
    // (and what was typed) or the lesson as stored.
    private static IResult Save(HttpContext context, long? id, LessonInput input, Func<LessonDraft, LessonPlan?> save, string done)
    {
        var (draft, problems) = input.ToDraft(LessonAccess.Policy(context), skipBlankRows: true, out var rows);
        if (draft is null)
        {
            return Render(LessonViews.Form(context, id, input, problems), StatusCodes.Status400BadRequest);
        }

        try
        {
            return save(draft) is { } plan
                ? Render(LessonViews.Lesson(context, plan, new Notice(LessonViews.Outcome(plan, done), false)))
                : NotFound(context, LessonAccess.Planner(context)!, id ?? 0);
        }
        catch (LessonException ex)
        {
            return Render(LessonViews.Form(context, id, input, [.. ex.Errors.Select(e => LessonProblem.Parse(e, rows))]), StatusCodes.Status400BadRequest);
        }
        catch (LessonAccessException ex)
        {
            return ListWith(context, Sentence(ex.Message), StatusCodes.Status403Forbidden);
        }
        catch (LessonStoreException ex)
        {
            return Render(LessonViews.Form(context, id, input, [new LessonProblem("", $"The lesson could not be stored, so nothing was saved: {ex.Message}")]),
                StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static IResult WithPlanner(HttpContext context, Func<LessonPlanner, IResult> then)
        => LessonAccess.Planner(context) is { } planner ? then(planner) : Render(LessonViews.List(context, null, null), StatusCodes.Status404NotFound);

    // A lesson the person may not see is answered as one that does not exist: a teacher cannot tell another's lesson from none.
    private static IResult WithLesson(HttpContext context, long id, Func<LessonPlanner, LessonPlan, IResult> then) => WithPlanner(context, planner =>
        planner.Get(LessonAccess.Actor(context), id) is { } plan ? then(planner, plan) : NotFound(context, planner, id));

    private static IResult NotFound(HttpContext context, LessonPlanner planner, long id) =>
        Render(LessonViews.List(context, planner, new Notice($"There is no lesson #{id.ToString(CultureInfo.InvariantCulture)} that you can see.", true)), StatusCodes.Status404NotFound);

    private static IResult ListWith(HttpContext context, string message, int status) =>
        Render(LessonViews.List(context, LessonAccess.Planner(context), new Notice(message, true)), status);

    // The slice sets the response's status itself (200 unless told), so the status goes on the slice.
    private static IResult Render(LessonsPage page, int status = StatusCodes.Status200OK) => WithStatus(Slices.Lessons.Create(page), status);

    private static IResult Render(LessonPage page, int status = StatusCodes.Status200OK) => WithStatus(Slices.Lesson.Create(page), status);

    private static IResult Render(LessonFormPage page, int status = StatusCodes.Status200OK) => WithStatus(Slices.LessonForm.Create(page), status);

    private static IResult WithStatus(RazorSlices.RazorSlice slice, int status)
    {
        slice.StatusCode = status;
        return slice;
    }
#pragma warning restore CA1859

    /// <summary>The planner's lower-case message as a sentence for the page.</summary>
    internal static string Sentence(string message) =>
        message.Length == 0 ? message : char.ToUpperInvariant(message[0]) + message[1..] + (message.EndsWith('.') ? "" : ".");
}
