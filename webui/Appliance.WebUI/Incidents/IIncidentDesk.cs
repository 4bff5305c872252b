using Appliance.Journal.Incidents;

namespace Appliance.WebUI.Incidents;

/// <summary>
/// The panel and the incident actions that live in the host's services (IncidentService, PanelService), which the web
/// UI cannot reference: the host implements this (Hosting/IncidentDesk.cs). Acknowledging and closing go through the
/// service, not the store, so the panel's LEDs change at once, the LA is told and the change is audited in one place.
/// </summary>
public interface IIncidentDesk
{
    /// <summary>What the panel shows now (the same as <c>GET /api/panel</c>).</summary>
    VirtualPanel Panel();

    /// <summary>The DSL has seen it: false if it is not raised (already acknowledged, cancelled or closed).</summary>
    /// <param name="id">The incident.</param>
    /// <param name="by">The signed-in account's name (the audit's actor).</param>
    bool Acknowledge(long id, string by);

    /// <summary>Closes it: false if it is already closed.</summary>
    /// <param name="id">The incident.</param>
    /// <param name="by">The signed-in account's name (the audit's actor).</param>
    bool Close(long id, string by);

    /// <summary>Holds the simulated panel's button long enough to raise, as a finger would, and waits for the raise to be on disk.</summary>
    /// <param name="by">The signed-in account's name (audited with the press).</param>
    /// <param name="cancel">The request's cancellation.</param>
    Task<PressOutcome> PressAsync(string by, CancellationToken cancel);
}

/// <summary>One LED: its name (red, amber, green, ring), its pattern now ("off", "on", "blink 2 Hz"…), and whether it is lit this instant.</summary>
public sealed record VirtualLed(string Name, string Pattern, bool Lit);

/// <summary>The panel as the dashboard draws it; <paramref name="Present"/> false: a headless box (no panel).</summary>
/// <param name="Present">Whether the box has a panel (real or simulated).</param>
/// <param name="Simulated">The simulated panel (the local default): only then can the web UI press its button.</param>
/// <param name="ButtonLive">Whether a press counts yet (after the start-up quiet time).</param>
/// <param name="Panic">Where the newest incident stands as the LEDs show it (none, raised, notdelivered, acknowledged, cancelled).</param>
/// <param name="Meaning">What the LEDs say, in words.</param>
/// <param name="Leds">Red, amber, green, ring.</param>
/// <param name="Latest">The newest incident, if any.</param>
public sealed record VirtualPanel(bool Present, bool Simulated, bool ButtonLive, string Panic, string Meaning, IReadOnlyList<VirtualLed> Leds, Incident? Latest);

/// <summary>What a virtual press did: the incident now raised, or why none was.</summary>
public sealed record PressOutcome(Incident? Raised, PressProblem Problem);

/// <summary>Why a virtual press raised nothing.</summary>
public enum PressProblem
{
    None,

    /// <summary>A real panel (or none): only a finger raises an incident there.</summary>
    NotSimulated,

    /// <summary>The start-up quiet time is not over: the press did not count.</summary>
    NotLive,

    /// <summary>Pressed, but no incident was recorded (a full disk…; the log says why).</summary>
    NotRecorded,
}
