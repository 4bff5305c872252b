using System.Text.Json.Serialization;
using Appliance.Hardware.Leds;

namespace Appliance.Host.Hosting;

public sealed record LedState(bool Red, bool Amber, bool Green, bool Ring);

/// <summary>Each LED's pattern now ("off", "on", "blink 2 Hz"…): what a poll of <see cref="LedState"/> cannot show (a blinking LED is lit or not at that instant).</summary>
public sealed record LedPatterns(string Red, string Amber, string Green, string Ring);

public sealed record IncidentSummary(long Id, string State, bool Test, DateTimeOffset RaisedAt, string Room, string? EvidenceSha256, DateTimeOffset? DeliveredAt,
    DateTimeOffset? EscalatedAt, string? StateBy);

/// <summary>What the panel shows now: its driver, whether the button counts yet, the box's condition, the LEDs lit at this moment and what they mean, and the newest incident.</summary>
public sealed record PanelReport(string Driver, bool Simulated, bool ButtonLive, string System, string Panic, string Meaning, LedState Leds, IncidentSummary? Incident)
{
    public LedPatterns? Patterns { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PanelReport))]
internal sealed partial class PanelJsonContext : JsonSerializerContext;

/// <summary>
/// <c>GET /api/panel</c>: the panel's state (the web UI draws the virtual panel from it); <c>POST /api/panel/press?ms=1600</c>:
/// presses the simulated panel's button, from loopback only (the local default and tests; 404 on a box with a real
/// or no panel, so nothing but a finger raises an incident there).
/// </summary>
public static class PanelEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/panel", (PanelService panel, IncidentService incidents, Configuration.ApplianceSettings settings, TimeProvider time, HttpContext context) =>
        {
            var report = Report(panel, incidents, settings, time);
            // Open to the LAN (scripts, the dashboard's live panel): which room and who handled it only for the DSL, or a
            // script on the box itself; everyone else sees the state.
            var full = context.User.IsInRole("dsl") || (context.Connection.RemoteIpAddress is { } from && System.Net.IPAddress.IsLoopback(from) && !context.User.Identity!.IsAuthenticated);
            return Results.Json(full || report.Incident is null ? report : report with { Incident = report.Incident with { Room = "", StateBy = null } },
                PanelJsonContext.Default.PanelReport);
        }).AllowAnonymous();
        app.MapPost("/api/panel/press", async (PanelService panel, int? ms, HttpContext context, CancellationToken cancel) =>
        {
            // The simulated panel only, and only from the box itself (scripts, tests): a LAN client (or a page in a pupil's
            // browser) must not be able to raise incidents. Staff use the web UI's button (POST /panel/press: a session and a form token).
            if (!panel.Simulated || context.Connection.RemoteIpAddress is not { } from || !System.Net.IPAddress.IsLoopback(from))
            {
                return Results.NotFound();
            }

            var hold = TimeSpan.FromMilliseconds(Math.Clamp(ms ?? 200, 10, 10_000));
            await panel.PressAsync(hold, cancel);
            return Results.NoContent();
        }).AllowAnonymous();   // loopback and the simulated panel only (checked above)
    }

    /// <summary>What the panel shows now (also the web UI's virtual panel, through <see cref="IncidentDesk"/>).</summary>
    public static PanelReport Report(PanelService panel, IncidentService incidents, Configuration.ApplianceSettings settings, TimeProvider time)
    {
        var (panic, _) = incidents.PanelState(time.GetUtcNow());
        var look = panel.Panel?.Current;
        var leds = panel.Panel is { } p ? new LedState(p.IsLit(Led.Red), p.IsLit(Led.Amber), p.IsLit(Led.Green), p.IsLit(Led.Ring)) : new LedState(false, false, false, false);
        var latest = incidents.Store.Latest();
        var summary = latest is null ? null : new IncidentSummary(latest.Id, latest.StateName, latest.Test, latest.RaisedAt, latest.Room, latest.EvidenceSha256,
            latest.DeliveredAt, latest.EscalatedAt, latest.StateBy);
        return new PanelReport(settings.Panel.Driver.ToString().ToLowerInvariant(), panel.Simulated, panel.Panel?.ButtonLive ?? false,
            panel.System.ToString().ToLowerInvariant(), panic.ToString().ToLowerInvariant(), look?.Meaning ?? "no panel", leds, summary)
        {
            Patterns = look is null ? null : new LedPatterns(look.Red.Pattern.Name, look.Amber.Pattern.Name, look.Green.Pattern.Name, look.Ring.Pattern.Name),
        };
    }
}
