using System.CommandLine;
using Appliance.Hardware.Pins;
using Appliance.Host.Hosting;

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
                Console.Write(WiringDoc.Render(PinMaps.Load(parse.GetValue(pinMap)?.FullName)));
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
}
