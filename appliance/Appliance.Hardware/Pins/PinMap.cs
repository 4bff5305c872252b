using System.Text.Json.Serialization;

namespace Appliance.Hardware.Pins;

/// <summary>
/// The panel's wiring (hardware/pinmap.json): the single source the service loads and the wiring documents are
/// generated from and checked against. BCM numbering, the same on a Pi 4 and a Pi 5.
/// </summary>
public sealed record PinMap
{
    /// <summary>The board this map is for, e.g. "raspberry-pi-4-5".</summary>
    public required string Board { get; init; }

    /// <summary>GPIO chip labels to look for, in order: Pi 5's RP1 ("pinctrl-rp1") moved from gpiochip4 to gpiochip0, so chips are found by label.</summary>
    public required IReadOnlyList<string> ChipLabels { get; init; }

    public required IReadOnlyList<PinAssignment> Pins { get; init; }

    /// <summary>Header pins used for ground (GND) by the panel.</summary>
    public IReadOnlyList<int> Ground
    {
        get => field ?? [];
        init;
    }

    /// <summary>Header pins used for 3.3 V by the panel (the button's pull-up).</summary>
    public IReadOnlyList<int> Power3V3
    {
        get => field ?? [];
        init;
    }

    public PinAssignment? Find(string function) => Pins.FirstOrDefault(p => p.Function == function);
}

/// <summary>One signal of the panel.</summary>
public sealed record PinAssignment
{
    /// <summary>One of <see cref="PanelFunctions"/>.</summary>
    public required string Function { get; init; }

    public required int Bcm { get; init; }

    /// <summary>The physical pin on the 40-pin header (checked against the BCM number).</summary>
    public required int Header { get; init; }

    /// <summary>"output" or "input".</summary>
    public required string Direction { get; init; }

    /// <summary>"up", "down" or "none" (left out: none; inputs only).</summary>
    public string? Pull
    {
        get => field ?? "none";
        init;
    }

    /// <summary>Lit/pressed when the pin is low (a button to ground, an LED sunk by a transistor).</summary>
    public bool ActiveLow { get; init; }

    /// <summary>The part on the panel (for wiring.md and the bill of materials).</summary>
    public required string Part { get; init; }

    /// <summary>Series/pull resistors and other components on this line.</summary>
    public string? Components
    {
        get => field ?? "";
        init;
    }

    public bool Optional { get; init; }
}

/// <summary>The functions the service drives.</summary>
public static class PanelFunctions
{
    public const string Red = "led.red";
    public const string Amber = "led.amber";
    public const string Green = "led.green";
    public const string Ring = "led.ring";
    public const string Button = "button.panic";
    public const string Buzzer = "buzzer";

    /// <summary>Without these the panel cannot work.</summary>
    public static readonly IReadOnlyList<string> Required = [Red, Amber, Green, Button];

    public static readonly IReadOnlyList<string> All = [Red, Amber, Green, Ring, Button, Buzzer];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true, WriteIndented = true)]
[JsonSerializable(typeof(PinMap))]
internal sealed partial class PinMapJsonContext : JsonSerializerContext;
