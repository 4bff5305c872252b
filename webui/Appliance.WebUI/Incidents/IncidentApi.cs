using System.Text.Json.Serialization;
using Appliance.Journal.Alerts;
using Appliance.Journal.Audit;
using Appliance.Journal.Incidents;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Incidents;

public sealed record NoteJson(DateTimeOffset At, string By, string Text);

public sealed record IncidentJson(long Id, string State, bool Test, DateTimeOffset RaisedAt, string Panel, string Room, string RaisedBy, DateTimeOffset StateAt,
    string? StateBy, string? EvidenceSha256, DateTimeOffset? DeliveredAt, DateTimeOffset? EscalatedAt, string Activity, IReadOnlyList<NoteJson>? Notes)
{
    public static IncidentJson Of(Incident i, IReadOnlyList<IncidentNote>? notes = null) =>
        new(i.Id, i.StateName, i.Test, i.RaisedAt, i.Panel, i.Room, i.RaisedBy, i.StateAt, i.StateBy, i.EvidenceSha256, i.DeliveredAt, i.EscalatedAt,
            IncidentInbox.ActivityLink(i), notes?.Select(n => new NoteJson(n.At, n.By, n.Text)).ToList());
}

public sealed record AlertJson(long Id, DateTimeOffset At, string Rule, string Severity, string Client, string? User, string Group, string Name, bool Blocked,
    int Suppressed, string Activity);

/// <summary>The inbox: incidents and alerts, each newest first.</summary>
public sealed record InboxJson(IReadOnlyList<IncidentJson> Incidents, IReadOnlyList<AlertJson> Alerts);

/// <summary>Why a request was refused (Results.Problem is not used: its ProblemDetails needs a JSON resolver this AOT build does not register).</summary>
public sealed record ErrorJson(string Error);

/// <summary>The body of an acknowledge or close: an optional triage note stored with the change.</summary>
public sealed record IncidentActionJson(string? Note);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InboxJson))]
[JsonSerializable(typeof(IncidentJson))]
[JsonSerializable(typeof(IncidentActionJson))]
[JsonSerializable(typeof(ErrorJson))]
internal sealed partial class IncidentJsonContext : JsonSerializerContext;

/// <summary>
/// <c>/api/incidents</c> for the DSL (a session or an API token of the DSL role): the list, one incident, acknowledge and
/// close (JSON bodies, so a cross-site form cannot post them), and the evidence with its digest.
/// </summary>
internal static class IncidentApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Incidents.Roles;
        app.MapGet("/api/incidents", List).RequireRoles(roles);
        app.MapGet("/api/incidents/{id:long}", Get).RequireRoles(roles);
        app.MapPost("/api/incidents/{id:long}/acknowledge", Acknowledge).RequireRoles(roles);
        app.MapPost("/api/incidents/{id:long}/close", Close).RequireRoles(roles);
        app.MapGet("/api/incidents/{id:long}/evidence", IncidentEndpoints.Evidence).RequireRoles(roles);
    }

    private static IResult List([FromServices] IncidentStore incidents, [FromServices] AlertStore alerts)
    {
        var inbox = IncidentInbox.Merge(incidents.Recent(IncidentEndpoints.InboxSize), alerts.Recent(IncidentEndpoints.InboxSize), IncidentEndpoints.InboxSize);
        return Results.Json(new InboxJson(
            [.. inbox.Where(i => i.Incident is not null).Select(i => IncidentJson.Of(i.Incident!))],
            [.. inbox.Where(i => i.Alert is not null).Select(i => Alert(i.Alert!))]), IncidentJsonContext.Default.InboxJson);
    }

    private static IResult Get(HttpContext context, long id, [FromServices] IncidentStore incidents, [FromServices] AuditLog audit)
    {
        if (incidents.Get(id) is not { } incident)
        {
            return Results.NotFound();
        }

        audit.Append(IncidentEndpoints.Actor(context), "incident.viewed", $"incident {id}", Appliance.Core.Events.AuditDetail.Of(("sha256", incident.EvidenceSha256)));
        return Results.Json(IncidentJson.Of(incident, incidents.Notes(id)), IncidentJsonContext.Default.IncidentJson);
    }

    private static async Task<IResult> Acknowledge(HttpContext context, long id, [FromServices] IIncidentDesk desk, [FromServices] IncidentStore incidents,
        [FromServices] AuditLog audit, [FromServices] TimeProvider time) => await Move(context, id, desk.Acknowledge, incidents, audit, time);

    private static async Task<IResult> Close(HttpContext context, long id, [FromServices] IIncidentDesk desk, [FromServices] IncidentStore incidents,
        [FromServices] AuditLog audit, [FromServices] TimeProvider time) => await Move(context, id, desk.Close, incidents, audit, time);

    // The body is read here with the source-generated context (AOT), and only as JSON: a form (which a page elsewhere
    // could post) is refused with 415 before anything changes.
    private static async Task<(IncidentActionJson? Body, IResult? Refusal)> ReadBody(HttpRequest request)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0))
        {
            return (null, null);
        }

        if (!request.HasJsonContentType())
        {
            return (null, Refuse(StatusCodes.Status415UnsupportedMediaType, "The body must be JSON ({\"note\": \"…\"}, or none)."));
        }

        try
        {
            return (await System.Text.Json.JsonSerializer.DeserializeAsync(request.Body, IncidentJsonContext.Default.IncidentActionJson, request.HttpContext.RequestAborted), null);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return (null, Refuse(StatusCodes.Status400BadRequest, $"The body is not the JSON expected ({{\"note\": \"…\"}}): {ex.Message}"));
        }
    }

    // 404: no such incident; 400: a bad note (nothing changed); 409: not in a state that allows the move; else the incident as it is now.
    private static async Task<IResult> Move(HttpContext context, long id, Func<long, string, bool> move, IncidentStore incidents, AuditLog audit, TimeProvider time)
    {
        if (incidents.Get(id) is null)
        {
            return Results.NotFound();
        }

        var (body, refusal) = await ReadBody(context.Request);
        if (refusal is not null)
        {
            return refusal;
        }

        string? note = null;
        if (body?.Note is not null)
        {
            (note, var problem) = IncidentInbox.CleanNote(body.Note);
            if (note is null)
            {
                return Refuse(StatusCodes.Status400BadRequest, problem);
            }
        }

        if (!move(id, IncidentEndpoints.Actor(context)))
        {
            return Refuse(StatusCodes.Status409Conflict, $"Incident #{id} is {incidents.Get(id)!.StateName}: nothing changed.");
        }

        if (note is not null)
        {
            IncidentEndpoints.AddNote(context, incidents, audit, time, id, note);
        }

        return Results.Json(IncidentJson.Of(incidents.Get(id)!, incidents.Notes(id)), IncidentJsonContext.Default.IncidentJson);
    }

    internal static IResult Refuse(int status, string? why) => Results.Json(new ErrorJson(why ?? ""), IncidentJsonContext.Default.ErrorJson, statusCode: status);

    private static AlertJson Alert(Alert a) =>
        new(a.Id, a.At, a.Rule, a.Severity.ToString().ToLowerInvariant(), a.Client, a.User, a.Group, a.Name, a.Blocked, a.Suppressed, IncidentInbox.ActivityLink(a));
}
