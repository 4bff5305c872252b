using Appliance.IntegrationTests.Peers;

namespace Appliance.BrowserTests;

/// <summary>
/// The appliance as a school runs it, for the end-to-end scenarios: a policy file (pupils, the default group, block
/// pornography; staff on 127.0.0.2), a gambling list the pupils do not block yet (<see cref="GamblingName"/>), an adult
/// list they do (<see cref="BlockedName"/>), a stand-in statutory list, and RADIUS on (loopback only), so the Users,
/// Guests and Wi-Fi joining pages show their real content, and the simulated panel (a configured box has none unless it says so). The upstream is a loopback port nobody answers: only names the lists block get an answer,
/// which is all the scenarios ask of DNS, and no query leaves the machine.
/// </summary>
public sealed class ScenarioAppliance : BrowserAppliance
{
    /// <summary>On the gambling list, which the pupils' group does not block until a proposal is approved.</summary>
    public const string GamblingName = "www.bet-now.test";

    /// <summary>On the adult list (category pornography), which the pupils' group blocks from the start.</summary>
    public const string BlockedName = "www.adult-example.test";

    private readonly string _inputs = Directory.CreateTempSubdirectory("browser-scenario-").FullName;

    protected override async Task<ApplianceProcess> StartApplianceAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_inputs, "gambling.txt"), "||bet-now.test^\n");
        await File.WriteAllTextAsync(Path.Combine(_inputs, "adult.txt"), "adult-example.test\n");
        await File.WriteAllTextAsync(Path.Combine(_inputs, "fake-iwf.txt"), "h3.test\n");
        await File.WriteAllTextAsync(Path.Combine(_inputs, "policy.json"), """
            {
              "defaultGroup": "pupils",
              "groups": [ { "name": "pupils", "blockedCategories": ["pornography"] }, { "name": "staff" } ],
              "subnets": [ { "subnet": "127.0.0.2/32", "group": "staff" } ]
            }
            """);
        var config = Path.Combine(_inputs, "config.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "filtering": {
                "lists": [
                  { "source": "{{_inputs}}/gambling.txt", "category": "gambling" },
                  { "source": "{{_inputs}}/adult.txt", "category": "pornography" }
                ],
                "statutoryLists": [ { "source": "{{_inputs}}/fake-iwf.txt", "list": "iwf" } ],
                "policyFile": "{{_inputs}}/policy.json"
              },
              "panel": { "driver": "fake" },
              "radius": {
                "enabled": true,
                "listen": "127.0.0.1",
                "authPort": {{Processes.FreePort()}},
                "accountingPort": {{Processes.FreePort()}},
                "serverName": "radius.school.test",
                "ssid": "Hillside Staff",
                "clients": [ { "name": "loopback-ap", "address": "127.0.0.0/8", "secret": "a-loopback-only-secret" } ]
              }
            }
            """);
        // A configured box would take the system's resolver as its upstream: a loopback port nobody answers keeps every query here.
        return await ApplianceProcess.StartAsync(["--config", config, "--upstream", $"127.0.0.1:{Processes.FreePort()}"]);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_inputs, recursive: true);
    }

    /// <summary>dig for <paramref name="name"/> against the appliance's DNS port, asked from <paramref name="client"/>.</summary>
    public async Task<string> DigAsync(string name, string client = "127.0.0.1") => (await Appliance.DigAsync(["-b", client, name])).Stdout;
}
