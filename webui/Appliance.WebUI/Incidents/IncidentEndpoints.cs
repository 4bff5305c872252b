using Appliance.Core.Events;
using Appliance.Journal.Alerts;
using Appliance.Journal.Audit;
using Appliance.Journal.Incidents;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Incidents;

/// <summary>
/// The DSL's incidents (panic-button incidents and alerts in one inbox, triage, evidence) and, for every role, the
/// dashboard's virtual panel and its panic button. The JSON API is <see cref="IncidentApi"/>.
/// </summary>
internal static class IncidentEndpoints
{
    /// <summary>How many incidents and alerts the inbox shows (each store's newest).</summary>
    public const int InboxSize = 200;

    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Incidents.Roles;
        app.MapGet(Navigation.Incidents.Path, List).RequireRoles(roles);
        app.MapGet("/incidents/{id:long}", Show).RequireRoles(roles);
        // These read no form: they say they need the token, as sign-out does.
        app.MapPost("/incidents/{id:long}/acknowledge", Acknowledge).RequireRoles(roles).WithMetadata(new RequireAntiforgeryTokenAttribute());
        app.MapPost("/incidents/{id:long}/close", Close).RequireRoles(roles).WithMetadata(new RequireAntiforgeryTokenAttribute());
        app.MapPost("/incidents/{id:long}/note", Note).RequireRoles(roles);
        app.MapGet("/incidents/{id:long}/evidence", Evidence).RequireRoles(roles);
        IncidentApi.Map(app);
        VirtualPanelEndpoints.Map(app);
    }

    internal static string Actor(HttpContext context) => Frames.SignedIn(context.User)?.Name ?? "?";

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult List(HttpContext context, [FromServices] IncidentStore incidents, [FromServices] AlertStore alerts) =>
        Slices.Incidents.Create(new IncidentsPage(Frames.For(context, "Incidents"),
            IncidentInbox.Merge(incidents.Recent(InboxSize), alerts.Recent(InboxSize), InboxSize), null, false));

    private static IResult Show(HttpContext context, long id, [FromServices] IncidentStore incidents, [FromServices] AuditLog audit)
    {
        if (incidents.Get(id) is not { } incident)
        {
            return NotFound(context, incidents, id);
        }

        // Opening an incident shows its evidence's digest and who raised it: a view of evidence, so audited.
        audit.Append(Actor(context), "incident.viewed", $"incident {id}", AuditDetail.Of(("sha256", incident.EvidenceSha256)));
        return Page(context, incidents, incident, null, false);
    }

    private static IResult Acknowledge(HttpContext context, long id, [FromServices] IIncidentDesk desk, [FromServices] IncidentStore incidents) =>
        Move(context, id, desk.Acknowledge, "acknowledged", "The panel now shows it acknowledged (steady red) and the LA is told.", incidents);

    private static IResult Close(HttpContext context, long id, [FromServices] IIncidentDesk desk, [FromServices] IncidentStore incidents) =>
        Move(context, id, desk.Close, "closed", "The LA is told.", incidents);

    // The service audits the change (actor: the signed-in account) and tells the panel and the LA.
    private static IResult Move(HttpContext context, long id, Func<long, string, bool> move, string done, string consequence, IncidentStore incidents)
    {
        if (incidents.Get(id) is null)
        {
            return NotFound(context, incidents, id);
        }

        var moved = move(id, Actor(context));
        var incident = incidents.Get(id)!;
        return moved
            ? Page(context, incidents, incident, $"Incident #{id} {done}. {consequence}", false)
            : Page(context, incidents, incident, $"Incident #{id} is {incident.StateName}, so it cannot be {done}: nothing changed.", true, StatusCodes.Status409Conflict);
    }

    private static IResult Note(HttpContext context, long id, [FromForm] string? note, [FromServices] IncidentStore incidents, [FromServices] AuditLog audit,
        [FromServices] TimeProvider time)
    {
        if (incidents.Get(id) is not { } incident)
        {
            return NotFound(context, incidents, id);
        }

        var (clean, problem) = IncidentInbox.CleanNote(note);
        if (clean is null)
        {
            return Page(context, incidents, incident, problem, true, StatusCodes.Status400BadRequest);
        }

        AddNote(context, incidents, audit, time, id, clean);
        return Page(context, incidents, incident, "Note added.", false);
    }

    /// <summary>Stores the note (durably, with the incident) and audits it: the audit detail holds its length, not its words.</summary>
    internal static void AddNote(HttpContext context, IncidentStore incidents, AuditLog audit, TimeProvider time, long id, string note)
    {
        incidents.AddNote(id, time.GetUtcNow(), Actor(context), note);
        audit.Append(Actor(context), "incident.note", $"incident {id}", AuditDetail.Of(("characters", note.Length)));
    }

    /// <summary>The sealed bundle, if its SHA-256 still matches the recorded one (else 409 and why); each attempt audited.</summary>
    internal static IResult Evidence(HttpContext context, long id, [FromServices] IncidentStore incidents, [FromServices] AuditLog audit)
    {
        if (incidents.Get(id) is not { } incident)
        {
            return WebUi.IsApi(context.Request) ? Results.NotFound() : NotFound(context, incidents, id);
        }

        var check = IncidentInbox.CheckEvidence(incident);
        if (check.Bytes is null)
        {
            audit.Append(Actor(context), "incident.evidence-refused", $"incident {id}",
                AuditDetail.Of(("recorded", incident.EvidenceSha256), ("actual", check.Actual), ("problem", check.Problem)));
            return WebUi.IsApi(context.Request)
                ? IncidentApi.Refuse(StatusCodes.Status409Conflict, check.Problem)
                : Page(context, incidents, incident, check.Problem, true, StatusCodes.Status409Conflict);
        }

        audit.Append(Actor(context), "incident.evidence-downloaded", $"incident {id}", AuditDetail.Of(("sha256", check.Actual)));
        // RFC 9530 Repr-Digest: the digest travels with the file, so a script can check what it saved.
        context.Response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(check.Actual!))}:";
        return Results.File(check.Bytes, "application/json", $"incident-{id}-evidence.json");
    }

    // The slice sets the response's status itself (200 unless told), so the status goes on the slice.
    private static IResult Page(HttpContext context, IncidentStore incidents, Incident incident, string? message, bool isError, int status = StatusCodes.Status200OK)
    {
        var page = Slices.Incident.Create(new IncidentPage(Frames.For(context, $"Incident #{incident.Id}"), incident, incidents.Notes(incident.Id), message, isError));
        page.StatusCode = status;
        return page;
    }

    private static IResult NotFound(HttpContext context, IncidentStore incidents, long id)
    {
        var page = Slices.Incidents.Create(new IncidentsPage(Frames.For(context, "Incidents"), IncidentInbox.Merge(incidents.Recent(InboxSize), [], InboxSize),
            $"There is no incident #{id}.", true));
        page.StatusCode = StatusCodes.Status404NotFound;
        return page;
    }
#pragma warning restore CA1859
}
