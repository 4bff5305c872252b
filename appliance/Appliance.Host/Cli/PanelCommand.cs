using System.CommandLine;
using Appliance.Hardware.Pins;

namespace Appliance.Host.Cli;

/// <summary><c>appliance panel wiring</c>: the pin table and header drawing for hardware/wiring.md, from the pin map.</summary>
public static class PanelCommand
{
    public static Command Create()
    {
        var panel = new Command("panel", "The status LEDs and the panic button");
        var pinMap = new Option<FileInfo?>("--pin-map") { Description = "A pin map (JSON); default: the built-in one (hardware/pinmap.json)" };
        var wiring = new Command("wiring", "Print the wiring table and header drawing generated from the pin map (hardware/wiring.md holds this)") { pinMap };
        wiring.SetAction(parse =>
        {
            try
            {
                Console.Write(WiringDoc.Render(LoadPinMap(parse.GetValue(pinMap)?.FullName)));
                return ExitCodes.Ok;
            }
            catch (PanelException ex)
            {
                Console.Error.WriteLine($"appliance: {ex.Message}");
                return ExitCodes.BadUsage;
            }
        });
        panel.Subcommands.Add(wiring);
        return panel;
    }

    /// <summary>The pin map in <paramref name="path"/>, or the built-in one.</summary>
    /// <exception cref="PanelException">It is missing or wrong; the message names the problem.</exception>
    public static PinMap LoadPinMap(string? path)
    {
        if (path is not null)
        {
            return PinMapLoader.Load(path);
        }

        using var stream = typeof(PanelCommand).Assembly.GetManifestResourceStream("pinmap.json")
            ?? throw new PanelException("the built-in pin map is missing from this build");
        using var reader = new StreamReader(stream);
        return PinMapLoader.Parse(reader.ReadToEnd(), "built-in pinmap.json");
    }
}
