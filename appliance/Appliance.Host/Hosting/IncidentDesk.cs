using Appliance.Core.Events;
using Appliance.Journal.Audit;
using Appliance.Journal.Incidents;
using Appliance.WebUI.Incidents;

namespace Appliance.Host.Hosting;

/// <summary>The web UI's way to the panel and the incident service (it cannot reference the host): the virtual panel, acknowledge, close, the virtual press.</summary>
public sealed class IncidentDesk(PanelService panel, IncidentService incidents, Configuration.ApplianceSettings settings, TimeProvider time, AuditLog audit)
    : IIncidentDesk
{
    /// <summary>Longer than the raise hold (1.5 s, <see cref="Appliance.Hardware.Button.PressTiming.RaiseHold"/>) by a margin, as the panel tests press.</summary>
    public static readonly TimeSpan PressHold = TimeSpan.FromMilliseconds(1_600);

    /// <summary>How long the raise (made off the button's thread) may take to be on disk before the press is reported as not recorded.</summary>
    public static readonly TimeSpan RaiseWait = TimeSpan.FromSeconds(5);

    public VirtualPanel Panel()
    {
        var report = PanelEndpoints.Report(panel, incidents, settings, time);
        var p = report.Patterns;
        VirtualLed[] leds = p is null ? [] :
        [
            new("red", p.Red, report.Leds.Red), new("amber", p.Amber, report.Leds.Amber),
            new("green", p.Green, report.Leds.Green), new("ring", p.Ring, report.Leds.Ring),
        ];
        return new VirtualPanel(panel.Panel is not null, report.Simulated, report.ButtonLive, report.Panic, report.Meaning, leds, incidents.Store.Latest());
    }

    public bool Acknowledge(long id, string by) => incidents.Acknowledge(id, by);

    public bool Close(long id, string by) => incidents.Close(id, by);

    public async Task<PressOutcome> PressAsync(string by, CancellationToken cancel)
    {
        if (!panel.Simulated)
        {
            return new(null, PressProblem.NotSimulated);
        }

        if (panel.Panel?.ButtonLive != true)
        {
            return new(null, PressProblem.NotLive);
        }

        // The press is audited under the account's name; the raise itself is audited by the service as the panel's.
        audit.Append(by, "panel.virtual-press", $"panel {settings.Panel.Id}", AuditDetail.Of(("room", settings.Panel.Room), ("holdMs", (long)PressHold.TotalMilliseconds)));
        await panel.PressAsync(PressHold, cancel);
        var waited = TimeSpan.Zero;
        var step = TimeSpan.FromMilliseconds(50);
        while (waited < RaiseWait)
        {
            // Raised (a new incident, or the open one a second press lands on).
            if (incidents.Store.Latest() is { State: IncidentState.Raised } raised)
            {
                return new(raised, PressProblem.None);
            }

            await Task.Delay(step, time, cancel);
            waited += step;
        }

        return new(null, PressProblem.NotRecorded);
    }
}
