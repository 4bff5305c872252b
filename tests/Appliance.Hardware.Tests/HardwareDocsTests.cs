using System.Xml.Linq;
using Appliance.Hardware.Pins;

namespace Appliance.Hardware.Tests;

/// <summary>The code, hardware/pinmap.json, wiring.md, panel.svg and bom.csv agree.</summary>
public sealed class HardwareDocsTests
{
    public static string HardwareFile(string name)
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Appliance.sln")))
        {
            dir = Path.GetDirectoryName(dir.TrimEnd('/'))!;
        }

        return Path.Combine(dir, "hardware", name);
    }

    private static readonly PinMap Map = PinMapLoader.Load(HardwareFile("pinmap.json"));

    [Fact]
    public void The_pin_map_has_every_function_the_code_drives_on_the_pins_the_reference_gives()
    {
        Assert.All(PanelFunctions.All, f => Assert.NotNull(Map.Find(f)));
        Assert.Equal((17, 11), (Map.Find(PanelFunctions.Red)!.Bcm, Map.Find(PanelFunctions.Red)!.Header));
        Assert.Equal((23, 16, "up", true), (Map.Find(PanelFunctions.Button)!.Bcm, Map.Find(PanelFunctions.Button)!.Header, Map.Find(PanelFunctions.Button)!.Pull, Map.Find(PanelFunctions.Button)!.ActiveLow));
    }

    [Fact]
    public void Wiring_md_holds_exactly_the_table_and_drawing_generated_from_the_pin_map()
    {
        var wiring = File.ReadAllText(HardwareFile("wiring.md")).ReplaceLineEndings("\n");
        var start = wiring.IndexOf(WiringDoc.Begin, StringComparison.Ordinal);
        var end = wiring.IndexOf(WiringDoc.End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "wiring.md has no generated section");
        Assert.Equal(WiringDoc.Render(Map), wiring[start..(end + WiringDoc.End.Length)] + "\n");
    }

    [Fact]
    public void Panel_svg_draws_each_mapped_part_with_its_pin_and_nothing_else()
    {
        var svg = XDocument.Load(HardwareFile("panel.svg"));
        var parts = svg.Descendants().Where(e => e.Attribute("data-function") is not null)
            .Select(e => (Function: e.Attribute("data-function")!.Value, Bcm: int.Parse(e.Attribute("data-bcm")!.Value), Header: int.Parse(e.Attribute("data-header")!.Value)))
            .OrderBy(p => p.Function).ToList();
        Assert.Equal(Map.Pins.Select(p => (p.Function, p.Bcm, p.Header)).OrderBy(p => p.Function), parts);
    }

    [Fact]
    public void The_bill_of_materials_lists_every_part_on_the_pin_map_and_both_builds()
    {
        var rows = File.ReadAllLines(HardwareFile("bom.csv")).Skip(1).Where(l => l.Length > 0).Select(ParseCsv).ToList();
        Assert.All(rows, r => Assert.Equal(5, r.Count));
        Assert.All(Map.Pins, p => Assert.Contains(rows, r => r[0] == "raspberry-pi" && r[2] == p.Part));
        Assert.Contains(rows, r => r[0] == "x64");
    }

    [Fact]
    public void A_wrong_pin_map_is_refused_with_every_problem_named()
    {
        var ex = Assert.Throws<PanelException>(() => PinMapLoader.Parse("""
            { "board": "x", "chipLabels": [], "pins": [
              { "function": "led.red", "bcm": 17, "header": 12, "direction": "output", "part": "p" },
              { "function": "led.blue", "bcm": 5, "header": 29, "direction": "output", "part": "p" },
              { "function": "button.panic", "bcm": 17, "header": 11, "direction": "input", "pull": "up", "activeLow": false, "part": "p" } ],
              "ground": [7] }
            """, "pinmap.json"));
        var lines = ex.Message.Split(Environment.NewLine);
        Assert.Contains("pinmap.json: chipLabels: is empty; name the GPIO chip's label (\"pinctrl-rp1\" on a Pi 5, \"pinctrl-bcm2711\" on a Pi 4)", lines);
        Assert.Contains("pinmap.json: pins[0].header: pin 12 is GPIO18, not GPIO17", lines);
        Assert.Contains("pinmap.json: pins[1].function: 'led.blue' is not one of led.red, led.amber, led.green, led.ring, button.panic, buzzer", lines);
        Assert.Contains("pinmap.json: pins[2].activeLow: a button to ground needs pull 'up' and activeLow true; to 3V3, pull 'down' and activeLow false", lines);
        Assert.Contains("pinmap.json: pins: has no 'led.amber'; the panel needs led.red, led.amber, led.green, button.panic", lines);
        Assert.Contains("pinmap.json: pins: GPIO17 is used by led.red and button.panic", lines);
        Assert.Contains("pinmap.json: ground: pin 7 is GPIO4, not GND", lines);
        Assert.StartsWith("pinmap.json: ", Assert.Throws<PanelException>(() => PinMapLoader.Parse("{ \"board\": 1 }", "pinmap.json")).Message, StringComparison.Ordinal);
    }

    private static List<string> ParseCsv(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
