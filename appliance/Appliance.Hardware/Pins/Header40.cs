namespace Appliance.Hardware.Pins;

/// <summary>The Raspberry Pi 40-pin header (Pi 2 B onward, Pi 4 and Pi 5 alike): which physical pin carries what.</summary>
public static class Header40
{
    // Index = physical pin (1–40). A number is the BCM GPIO; a negative value is power or ground.
    private const int V3 = -33;
    private const int V5 = -5;
    private const int Gnd = -1;

    private static readonly int[] Pins =
    [
        0, V3, V5, 2, V5, 3, Gnd, 4, 14, Gnd, 15, 17, 18, 27, Gnd, 22, 23, V3, 24, 10, Gnd,
        9, 25, 11, 8, Gnd, 7, 0, 1, 5, Gnd, 6, 12, 13, Gnd, 19, 16, 26, 20, Gnd, 21,
    ];

    /// <summary>The BCM GPIO on a physical pin, or null for power, ground or a pin that does not exist.</summary>
    public static int? Bcm(int header) => header is >= 1 and <= 40 && Pins[header] >= 0 ? Pins[header] : null;

    public static bool IsGround(int header) => header is >= 1 and <= 40 && Pins[header] == Gnd;

    public static bool Is3V3(int header) => header is >= 1 and <= 40 && Pins[header] == V3;

    /// <summary>What a physical pin is, as printed on pinout diagrams ("GPIO17", "GND", "3V3", "5V").</summary>
    public static string Name(int header) => header is < 1 or > 40 ? "?" : Pins[header] switch
    {
        V3 => "3V3",
        V5 => "5V",
        Gnd => "GND",
        var bcm => $"GPIO{bcm}",
    };
}
