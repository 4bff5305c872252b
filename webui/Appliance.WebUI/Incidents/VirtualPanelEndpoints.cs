using System.Globalization;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Incidents;

/// <summary>
/// The dashboard's virtual panel (every role): drawn by the server on each load, kept live by <c>/panel.js</c> polling
/// <c>/api/panel</c>; and its panic button, for signed-in staff while the panel is simulated (the local default). The
/// host's loopback-only <c>POST /api/panel/press</c> stays for scripts; this one needs a session and a form token.
/// </summary>
internal static class VirtualPanelEndpoints
{
    public const string PressPath = "/panel/press";

    public static void Map(IEndpointRouteBuilder app)
    {
        var script = WebUi.ReadAsset("panel.js");
        app.MapGet("/panel.js", () => Results.Text(script, "text/javascript")).RequireRoles(Navigation.Dashboard.Roles);
        app.MapPost(PressPath, Press).RequireRoles(Navigation.Dashboard.Roles).WithMetadata(new RequireAntiforgeryTokenAttribute());
    }

    /// <summary>The dashboard's panel, with the outcome of a press just made (<c>?pressed=</c>), or null when the host has no panel source.</summary>
    public static PanelLedsModel? For(HttpContext context, PageFrame frame)
    {
        if (context.RequestServices.GetService<IIncidentDesk>() is not { } desk)
        {
            return null;
        }

        var panel = desk.Panel();
        if (frame.Account?.Role != Accounts.WebRole.Dsl && panel.Latest is { } newest)
        {
            // Which room and who handled it are the DSL's to know (the Incidents page is theirs alone); others see the state.
            panel = panel with { Latest = newest with { Room = "", StateBy = null } };
        }

        // Only messages made here from known values: the query names an outcome, it is never echoed.
        var pressed = context.Request.Query["pressed"].ToString();
        var (message, isError) = pressed switch
        {
            "" => (null, false),
            "not-live" => ("The panel's button is not live yet (presses count a few seconds after the box starts): try again in a moment.", true),
            "failed" => ("The press was made but no incident was recorded: phone the DSL (the appliance's log says why).", true),
            "not-simulated" => ("This box has a real panel (or none): only a finger on its button raises an incident.", true),
            _ when long.TryParse(pressed, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && panel.Latest is { } latest && latest.Id == id =>
                ($"Incident #{id} is raised: the DSL is told. The panel below shows it.", false),
            _ => (null, false),
        };
        return new PanelLedsModel(frame, panel, message, isError);
    }

    // Post/redirect/get: the dashboard shows the outcome, and a reload does not press again.
    private static async Task<IResult> Press(HttpContext context, [FromServices] IIncidentDesk desk, CancellationToken cancel)
    {
        var outcome = await desk.PressAsync(IncidentEndpoints.Actor(context), cancel);
        var pressed = outcome.Raised?.Id.ToString(CultureInfo.InvariantCulture) ?? outcome.Problem switch
        {
            PressProblem.NotSimulated => "not-simulated",
            PressProblem.NotLive => "not-live",
            _ => "failed",
        };
        return Results.Redirect($"{Navigation.Dashboard.Path}?pressed={pressed}#panel");
    }
}
