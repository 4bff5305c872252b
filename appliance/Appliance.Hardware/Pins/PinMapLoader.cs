using System.Text.Json;

namespace Appliance.Hardware.Pins;

/// <summary>Reads and checks a pin map; every problem is named by its field, so a wrong wire is found before power-on.</summary>
public static class PinMapLoader
{
    /// <exception cref="PanelException">The file is missing, not JSON, or describes wiring that cannot work.</exception>
    public static PinMap Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PanelException($"{path}: cannot read the pin map: {ex.Message}", ex);
        }

        return Parse(text, path);
    }

    public static PinMap Parse(string json, string source)
    {
        PinMap? map;
        try
        {
            map = JsonSerializer.Deserialize(json, PinMapJsonContext.Default.PinMap);
        }
        catch (JsonException ex)
        {
            throw new PanelException($"{source}: {(string.IsNullOrEmpty(ex.Path) ? "" : ex.Path.TrimStart('$', '.') + ": ")}{ex.Message}", ex);
        }

        if (map is null)
        {
            throw new PanelException($"{source}: holds 'null'; expected a pin map object");
        }

        var errors = Check(map);
        return errors.Count == 0 ? map : throw new PanelException(string.Join(Environment.NewLine, errors.Select(e => $"{source}: {e}")));
    }

    public static List<string> Check(PinMap map)
    {
        var errors = new List<string>();
        if (map.ChipLabels.Count == 0)
        {
            errors.Add("chipLabels: is empty; name the GPIO chip's label (\"pinctrl-rp1\" on a Pi 5, \"pinctrl-bcm2711\" on a Pi 4)");
        }

        for (var i = 0; i < map.Pins.Count; i++)
        {
            var pin = map.Pins[i];
            var at = $"pins[{i}]";
            if (!PanelFunctions.All.Contains(pin.Function))
            {
                errors.Add($"{at}.function: '{pin.Function}' is not one of {string.Join(", ", PanelFunctions.All)}");
            }

            if (Header40.Bcm(pin.Header) != pin.Bcm)
            {
                errors.Add($"{at}.header: pin {pin.Header} is {Header40.Name(pin.Header)}, not GPIO{pin.Bcm}");
            }

            var input = pin.Function == PanelFunctions.Button;
            if (pin.Direction != (input ? "input" : "output"))
            {
                errors.Add($"{at}.direction: '{pin.Direction}'; {pin.Function} is an {(input ? "input" : "output")}");
            }

            if (pin.Pull is not ("up" or "down" or "none") || (!input && pin.Pull != "none"))
            {
                errors.Add($"{at}.pull: '{pin.Pull}'; expected up, down or none (none for outputs)");
            }

            if (input && pin.ActiveLow != (pin.Pull == "up"))
            {
                errors.Add($"{at}.activeLow: a button to ground needs pull 'up' and activeLow true; to 3V3, pull 'down' and activeLow false");
            }
        }

        foreach (var function in PanelFunctions.Required.Where(f => map.Find(f) is null))
        {
            errors.Add($"pins: has no '{function}'; the panel needs {string.Join(", ", PanelFunctions.Required)}");
        }

        foreach (var twice in map.Pins.GroupBy(p => p.Function).Where(g => g.Count() > 1))
        {
            errors.Add($"pins: '{twice.Key}' is assigned {twice.Count()} times");
        }

        foreach (var shared in map.Pins.GroupBy(p => p.Bcm).Where(g => g.Count() > 1))
        {
            errors.Add($"pins: GPIO{shared.Key} is used by {string.Join(" and ", shared.Select(p => p.Function))}");
        }

        errors.AddRange(map.Ground.Where(g => !Header40.IsGround(g)).Select(g => $"ground: pin {g} is {Header40.Name(g)}, not GND"));
        errors.AddRange(map.Power3V3.Where(g => !Header40.Is3V3(g)).Select(g => $"power3V3: pin {g} is {Header40.Name(g)}, not 3V3"));
        return errors;
    }
}

/// <summary>The panel cannot be set up (a wrong pin map, a missing GPIO chip or library); the message says which and why.</summary>
public sealed class PanelException : Exception
{
    public PanelException(string message)
        : base(message)
    {
    }

    public PanelException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public PanelException()
    {
    }
}
