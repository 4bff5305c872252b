using System.Net;
using Appliance.Radius.Clients;

namespace Appliance.Radius.Tests.Clients;

public sealed class RadiusClientsTests
{
    private const string Secret = "a-long-shared-secret-for-tests";

    [Fact]
    public void The_most_specific_network_wins_and_strangers_are_not_clients()
    {
        var clients = RadiusClients.Build(
        [
            new RadiusClientDefinition("controllers", "192.0.2.0/24", Secret),
            new RadiusClientDefinition("hall-ap", "192.0.2.77", Secret + "-hall"),
            new RadiusClientDefinition("v6", "2001:db8::/64", Secret),
        ]);

        Assert.Equal("hall-ap", clients.Find(IPAddress.Parse("192.0.2.77"))!.Name);
        Assert.Equal("controllers", clients.Find(IPAddress.Parse("192.0.2.78"))!.Name);
        Assert.Equal("hall-ap", clients.Find(IPAddress.Parse("192.0.2.77").MapToIPv6())!.Name);   // a dual-stack socket's view
        Assert.Equal("v6", clients.Find(IPAddress.Parse("2001:db8::5"))!.Name);
        Assert.Null(clients.Find(IPAddress.Parse("198.51.100.1")));
    }

    [Fact]
    public void Every_problem_is_named()
    {
        var error = Assert.Throws<ArgumentException>(() => RadiusClients.Build(
        [
            new RadiusClientDefinition("short", "192.0.2.1", "testing123"),
            new RadiusClientDefinition("bad-address", "192.0.2.300", Secret),
            new RadiusClientDefinition("host-bits", "192.0.2.5/24", Secret),
            new RadiusClientDefinition("a", "192.0.2.10", Secret),
            new RadiusClientDefinition("A", "192.0.2.11", Secret),
            new RadiusClientDefinition("same-net", "192.0.2.10", Secret),
        ]));

        Assert.Contains("client 'short': the secret is 10 bytes; at least 16 are needed", error.Message, StringComparison.Ordinal);
        Assert.Contains("client 'bad-address': '192.0.2.300' is not an address or subnet", error.Message, StringComparison.Ordinal);
        Assert.Contains("client 'host-bits': '192.0.2.5/24' is not an address or subnet", error.Message, StringComparison.Ordinal);
        Assert.Contains("client 'A': the name is used twice", error.Message, StringComparison.Ordinal);
        Assert.Contains("client 'same-net': 192.0.2.10/32 is already another client's", error.Message, StringComparison.Ordinal);
    }
}
