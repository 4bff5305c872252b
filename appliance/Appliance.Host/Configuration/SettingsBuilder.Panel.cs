using System.Net;

namespace Appliance.Host.Configuration;

/// <summary>The panel section: which GPIO driver, which wiring, which room, and the incident timings.</summary>
public sealed partial class SettingsBuilder
{
    private PanelSettings Panel(PanelConfig? panel)
    {
        var defaults = new PanelSettings();
        if (panel is null)
        {
            return defaults;
        }

        var subnets = new List<IPNetwork>();
        foreach (var (text, i) in (panel.Subnets ?? []).Select((t, i) => (t, i)))
        {
            if (IPNetwork.TryParse(text, out var network) && text.Contains('/', StringComparison.Ordinal))
            {
                subnets.Add(network);
            }
            else
            {
                Error($"panel.subnets[{i}]", $"'{text}' is not a subnet in CIDR form (e.g. 10.1.4.0/24)");
            }
        }

        if (panel.Id is { } id && (id.Length is 0 or > 64 || id.Any(c => char.IsControl(c))))
        {
            Error("panel.id", "must be 1–64 printable characters");
        }

        return new PanelSettings
        {
            Driver = Choice(panel.Driver, "panel.driver", defaults.Driver),
            PinMap = panel.PinMap is null ? null : ExistingPath(panel.PinMap, "panel.pinMap"),
            Id = panel.Id ?? defaults.Id,
            Room = panel.Room ?? defaults.Room,
            Subnets = subnets,
            EvidenceBefore = TimeSpan.FromMinutes(Range(panel.EvidenceMinutes, "panel.evidenceMinutes", 1, 240, (int)defaults.EvidenceBefore.TotalMinutes)),
            EscalateAfter = TimeSpan.FromMinutes(Range(panel.EscalateAfterMinutes, "panel.escalateAfterMinutes", 1, 1_440, (int)defaults.EscalateAfter.TotalMinutes)),
            DeliveryGrace = TimeSpan.FromSeconds(Range(panel.DeliveryGraceSeconds, "panel.deliveryGraceSeconds", 5, 600, (int)defaults.DeliveryGrace.TotalSeconds)),
            Debounce = TimeSpan.FromMilliseconds(Range(panel.DebounceMs, "panel.debounceMs", 5, 200, (int)defaults.Debounce.TotalMilliseconds)),
        };
    }
}
