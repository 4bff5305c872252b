using System.Device.Gpio;
using Appliance.Hardware.Drivers;
using Appliance.Hardware.Pins;

namespace Appliance.Hardware.Tests;

public sealed class ChipSelectionTests
{
    private static readonly string[] Labels = ["pinctrl-rp1", "pinctrl-bcm2711"];

    [Fact]
    public void The_chip_is_found_by_label_whichever_number_the_kernel_gave_it()
    {
        // A Pi 5 before kernel 6.6.45: RP1 is gpiochip4; after: gpiochip0 (the SoC's chips moved to 10–13).
        var old = GpioDrivers.Select([new GpioChipInfo(0, "gpiochip0", "gpio-brcmstb@107d508500", 32), new GpioChipInfo(4, "gpiochip4", "pinctrl-rp1", 54)], Labels);
        Assert.Equal(4, old.Id);
        var current = GpioDrivers.Select([new GpioChipInfo(0, "gpiochip0", "pinctrl-rp1", 54), new GpioChipInfo(10, "gpiochip10", "gpio-brcmstb@107d508500", 32)], Labels);
        Assert.Equal(0, current.Id);
        var pi4 = GpioDrivers.Select([new GpioChipInfo(0, "gpiochip0", "pinctrl-bcm2711", 58), new GpioChipInfo(1, "gpiochip1", "raspberrypi-exp-gpio", 8)], Labels);
        Assert.Equal(0, pi4.Id);
    }

    [Fact]
    public void A_missing_chip_is_a_start_up_error_that_lists_what_the_machine_has()
    {
        var ex = Assert.Throws<PanelException>(() => GpioDrivers.Select([new GpioChipInfo(0, "gpiochip0", "gpio-mockup-A", 8)], Labels));
        Assert.Equal("panel: no GPIO chip labelled 'pinctrl-rp1' or 'pinctrl-bcm2711'; this machine has only gpiochip0 'gpio-mockup-A' (8 lines). "
            + "Set the pin map's chipLabels to the right chip, or panel.driver to 'none' for a box without a panel", ex.Message);
        Assert.Contains("no GPIO chips at all", Assert.Throws<PanelException>(() => GpioDrivers.Select([], Labels)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PanelDriverKind.LibGpiod)]
    [InlineData(PanelDriverKind.LibGpiodV2)]
    public void A_real_driver_on_a_machine_without_the_chip_or_the_library_fails_at_start_with_the_reason(PanelDriverKind kind)
    {
        // This machine has no /dev/gpiochip* (and may lack libgpiod): either way a PanelException that says what to do.
        var ex = Assert.Throws<PanelException>(() => GpioDrivers.Create(kind, Labels, TimeProvider.System));
        Assert.StartsWith("panel", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'none'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void None_means_no_panel_and_fake_is_the_simulated_one()
    {
        Assert.Null(GpioDrivers.Create(PanelDriverKind.None, Labels, TimeProvider.System));
        Assert.IsType<FakeGpioDriver>(GpioDrivers.Create(PanelDriverKind.Fake, Labels, TimeProvider.System));
    }
}
