using System.Net;

namespace Appliance.Host.Configuration;

/// <summary>The panel section: which GPIO driver, which wiring, which room, and the incident timings.</summary>
public sealed partial class SettingsBuilder
{
    private PanelSettings Panel(PanelConfig? panel, IReadOnlyList<System.Net.IPEndPoint> dnsListen)
    {
        // The simulated panel only in the local default: on a configured box a software-pressable button (and LEDs
        // nobody sees) would be wrong; it says which panel it has.
        var defaults = _localDefault ? new PanelSettings() : new PanelSettings { Driver = Appliance.Hardware.Drivers.PanelDriverKind.None };
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

        var evidenceMinutes = Range(panel.EvidenceMinutes, "panel.evidenceMinutes", 1, 240, (int)defaults.EvidenceBefore.TotalMinutes);
        Appliance.PacketFilter.Capture.CaptureOptions? capture = null;
        if (panel.Capture is { } c)
        {
            if (string.IsNullOrWhiteSpace(c.Interface))
            {
                Error("panel.capture.interface", "is missing; name the interface that sees the room's traffic (e.g. br0)");
            }

            capture = new Appliance.PacketFilter.Capture.CaptureOptions(c.Interface ?? "", subnets)
            {
                Keep = TimeSpan.FromMinutes(Range(c.KeepMinutes, "panel.capture.keepMinutes", 1, 240, evidenceMinutes)),
                MaxBytes = (long)Range(c.MaxMb, "panel.capture.maxMb", 1, 256, 8) << 20,
                DnsPorts = [53, .. dnsListen.Select(e => e.Port).Where(p => p != 0)],
            };
        }

        return new PanelSettings
        {
            Capture = capture,
            Driver = Choice(panel.Driver, "panel.driver", defaults.Driver),
            PinMap = panel.PinMap is null ? null : ExistingPath(panel.PinMap, "panel.pinMap"),
            Id = panel.Id ?? defaults.Id,
            Room = panel.Room ?? defaults.Room,
            Subnets = subnets,
            EvidenceBefore = TimeSpan.FromMinutes(evidenceMinutes),
            EscalateAfter = TimeSpan.FromMinutes(Range(panel.EscalateAfterMinutes, "panel.escalateAfterMinutes", 1, 1_440, (int)defaults.EscalateAfter.TotalMinutes)),
            DeliveryGrace = TimeSpan.FromSeconds(Range(panel.DeliveryGraceSeconds, "panel.deliveryGraceSeconds", 5, 600, (int)defaults.DeliveryGrace.TotalSeconds)),
            Debounce = TimeSpan.FromMilliseconds(Range(panel.DebounceMs, "panel.debounceMs", 5, 200, (int)defaults.Debounce.TotalMilliseconds)),
        };
    }
}
