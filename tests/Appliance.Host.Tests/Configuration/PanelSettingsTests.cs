using Appliance.Hardware.Drivers;
using Appliance.Host.Configuration;

namespace Appliance.Host.Tests.Configuration;

public sealed class PanelSettingsTests
{
    private static readonly CliOverrides Cli = new() { Upstreams = ["192.0.2.1:53"] };

    [Fact]
    public void The_local_default_has_the_simulated_panel_and_a_configured_box_none_unless_it_names_one()
    {
        Assert.Equal(PanelDriverKind.Fake, SettingsBuilder.Build(null, "local default", Cli).Panel.Driver);
        Assert.Equal(PanelDriverKind.None, SettingsBuilder.Build(ConfigLoader.Parse("{}", "school.json"), "school.json", Cli).Panel.Driver);
        var panel = SettingsBuilder.Build(ConfigLoader.Parse("""
            { "panel": { "driver": "libgpiod", "room": "Room 4", "subnets": ["10.1.4.0/24"], "capture": { "interface": "br0" } } }
            """, "school.json"), "school.json", Cli).Panel;
        Assert.Equal((PanelDriverKind.LibGpiod, "Room 4", "10.1.4.0/24"), (panel.Driver, panel.Room, panel.Subnets.Single().ToString()));
        Assert.Equal(("br0", TimeSpan.FromMinutes(15)), (panel.Capture!.Interface, panel.Capture.Keep));
        Assert.Contains(53, panel.Capture.DnsPorts);
    }

    [Fact]
    public void Every_problem_in_the_panel_section_is_named()
    {
        var ex = Assert.Throws<ConfigException>(() => SettingsBuilder.Build(ConfigLoader.Parse("""
            { "panel": { "driver": "gpio", "subnets": ["10.1.4.0", "room4"], "escalateAfterMinutes": 0, "capture": { "maxMb": 1000 } } }
            """, "school.json"), "school.json", Cli));
        var lines = ex.Message.Split(Environment.NewLine);
        Assert.Contains("school.json: panel.driver: is 'gpio'; expected one of: none, fake, libgpiod, libgpiodv2", lines);
        Assert.Contains("school.json: panel.subnets[0]: '10.1.4.0' is not a subnet in CIDR form (e.g. 10.1.4.0/24)", lines);
        Assert.Contains("school.json: panel.subnets[1]: 'room4' is not a subnet in CIDR form (e.g. 10.1.4.0/24)", lines);
        Assert.Contains("school.json: panel.escalateAfterMinutes: is 0; it must be from 1 to 1440", lines);
        Assert.Contains("school.json: panel.capture.interface: is missing; name the interface that sees the room's traffic (e.g. br0)", lines);
        Assert.Contains("school.json: panel.capture.maxMb: is 1000; it must be from 1 to 256", lines);
    }
}
