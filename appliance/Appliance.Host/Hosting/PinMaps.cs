using Appliance.Hardware.Pins;

namespace Appliance.Host.Hosting;

/// <summary>Where the panel's pin map comes from: a file the configuration names, else the one built in (hardware/pinmap.json).</summary>
public static class PinMaps
{
    /// <summary>The pin map in <paramref name="path"/>, or the built-in one.</summary>
    /// <exception cref="PanelException">It is missing or wrong; the message names the problem.</exception>
    public static PinMap Load(string? path)
    {
        if (path is not null)
        {
            return PinMapLoader.Load(path);
        }

        using var stream = typeof(PinMaps).Assembly.GetManifestResourceStream("pinmap.json")
            ?? throw new PanelException("the built-in pin map is missing from this build");
        using var reader = new StreamReader(stream);
        return PinMapLoader.Parse(reader.ReadToEnd(), "built-in pinmap.json");
    }
}
