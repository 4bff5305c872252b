using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using Appliance.Hardware.Pins;

namespace Appliance.Hardware.Drivers;

/// <summary>Which GPIO driver the panel uses (configuration <c>panel.driver</c>).</summary>
public enum PanelDriverKind
{
    /// <summary>A headless box: no LEDs, no button.</summary>
    None,

    /// <summary>The simulated panel (local default, tests): <see cref="FakeGpioDriver"/>.</summary>
    Fake,

    /// <summary>libgpiod v1 (<c>libgpiod.so.2</c>, Debian 12's libgpiod2).</summary>
    LibGpiod,

    /// <summary>libgpiod v2 (<c>libgpiod.so.3</c>, Debian 13's libgpiod3; Pi OS on trixie).</summary>
    LibGpiodV2,
}

/// <summary>
/// Constructs the configured driver explicitly, on the chip found by its label. Letting dotnet/iot choose picks v1
/// and fails on an image that has only libgpiod.so.3; and chip numbers move (a Pi 5's RP1 was gpiochip4 before
/// kernel 6.6.45 and is gpiochip0 after). Every failure here happens at start-up, with the reason and the fix.
/// </summary>
public static class GpioDrivers
{
    /// <exception cref="PanelException">No chip with one of the labels, or the library is missing.</exception>
    public static GpioDriver? Create(PanelDriverKind kind, IReadOnlyList<string> chipLabels, TimeProvider time)
    {
        switch (kind)
        {
            case PanelDriverKind.None:
                return null;
            case PanelDriverKind.Fake:
                return new FakeGpioDriver(time);
        }

        var (library, package) = kind == PanelDriverKind.LibGpiod ? ("libgpiod.so.2 (libgpiod v1)", "libgpiod2") : ("libgpiod.so.3 (libgpiod v2)", "libgpiod3");
        IList<GpioChipInfo> chips;
        try
        {
            chips = kind == PanelDriverKind.LibGpiod ? LibGpiodDriver.GetAvailableChips() : LibGpiodV2Driver.GetAvailableChips();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or PlatformNotSupportedException)
        {
            throw new PanelException($"panel.driver: {library} cannot be loaded ({ex.GetBaseException().Message}); install the '{package}' package, "
                + "or choose the other libgpiod driver, or 'none' for a box without a panel", ex);
        }

        var chip = Select([.. chips], chipLabels);
        try
        {
            return kind == PanelDriverKind.LibGpiod ? new LibGpiodDriver(chip.Id) : new LibGpiodV2Driver(chip.Id);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new PanelException($"panel: cannot open gpiochip{chip.Id} ('{chip.Label}'): {ex.Message}; the service needs access to /dev/gpiochip{chip.Id} (group gpio)", ex);
        }
    }

    /// <summary>The first chip whose label is one of <paramref name="labels"/>, in the labels' order.</summary>
    /// <exception cref="PanelException">None has; the message lists what the machine has.</exception>
    public static GpioChipInfo Select(IReadOnlyList<GpioChipInfo> chips, IReadOnlyList<string> labels)
    {
        foreach (var label in labels)
        {
            if (chips.FirstOrDefault(c => string.Equals(c.Label, label, StringComparison.Ordinal)) is { } chip)
            {
                return chip;
            }
        }

        var found = chips.Count == 0 ? "no GPIO chips at all (/dev/gpiochip*)" : "only " + string.Join(", ", chips.Select(c => $"gpiochip{c.Id} '{c.Label}' ({c.NumLines} lines)"));
        throw new PanelException($"panel: no GPIO chip labelled {string.Join(" or ", labels.Select(l => $"'{l}'"))}; this machine has {found}. "
            + "Set the pin map's chipLabels to the right chip, or panel.driver to 'none' for a box without a panel");
    }
}
