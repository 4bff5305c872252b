using System.Globalization;
using Appliance.IntegrationTests.Peers;
using Appliance.Journal;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// The identity chain in the real appliance (issue 7): a user added with <c>appliance users add</c> logs in over
/// PEAP-MSCHAPv2 with eapol_test (MPPE keys checked), the access point's accounting (radclient) ties an address to
/// them, and from then on that address's DNS queries are journalled as that user, in their group.
/// </summary>
public sealed class RadiusEndToEndTests : IAsyncLifetime
{
    private const string Secret = "the-access-points-long-secret";
    private readonly Nsd _nsd = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("radius-it-").FullName;
    private ApplianceProcess _appliance = null!;
    private int _authPort;
    private int _accountingPort;
    private string _password = "";

    public async Task InitializeAsync()
    {
        await _nsd.StartAsync();
        var dataDir = Path.Combine(_dir, "data");
        var added = await Processes.RunAsync(ApplianceProcess.Executable, ["users", "add", "Alice", "--kind", "pupil", "--year", "8", "--by", "technician", "--data-dir", dataDir]);
        Assert.True(added.ExitCode == 0, added.Stdout + added.Stderr);
        _password = added.Stdout.Split("password: ")[1].Split(' ', '\n')[0].Trim();

        (_authPort, _accountingPort) = (Processes.FreePort(), Processes.FreePort());
        // Staff by default; pupils have h1.test denied, so a device placed by its user's group is filtered differently.
        await File.WriteAllTextAsync(Path.Combine(_dir, "policy.json"), """
            {
              "defaultGroup": "staff",
              "groups": [ { "name": "staff" }, { "name": "pupils", "deny": ["=h1.test"] } ]
            }
            """);
        var config = Path.Combine(_dir, "appliance.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "filtering": { "policyFile": "{{_dir}}/policy.json" },
              "radius": {
                "enabled": true,
                "listen": "127.0.0.1",
                "authPort": {{_authPort}},
                "accountingPort": {{_accountingPort}},
                "serverName": "radius.school.test",
                "clients": [ { "name": "loopback-ap", "address": "127.0.0.0/8", "secret": "{{Secret}}" } ],
                "vlans": { "pupils": 20 }
              }
            }
            """);
        try
        {
            _appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", _nsd.Address], dataDir: dataDir);
        }
        catch
        {
            _nsd.Dispose();   // xUnit does not call DisposeAsync when InitializeAsync throws: NSD would outlive the run
            throw;
        }
    }

    public Task DisposeAsync()
    {
        _appliance.Dispose();
        _nsd.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_user_logs_in_over_PEAP_and_their_device_is_then_logged_as_them()
    {
        var eapConfig = Path.Combine(_dir, "peap.conf");
        await File.WriteAllTextAsync(eapConfig, $$"""
            network={
              ssid="school"
              key_mgmt=WPA-EAP
              eap=PEAP
              identity="alice"
              anonymous_identity="anonymous"
              password="{{_password}}"
              ca_cert="{{Path.Combine(_appliance.DataDir, "radius", "ca.pem")}}"
              domain_suffix_match="radius.school.test"
              phase2="auth=MSCHAPV2"
            }
            """);
        var login = await Processes.RunAsync("eapol_test", ["-c", eapConfig, "-a", "127.0.0.1", "-p", _authPort.ToString(CultureInfo.InvariantCulture), "-s", Secret, "-r", "0", "-t", "10"]);
        Assert.True(login.ExitCode == 0, login.Stdout + _appliance.Output);
        Assert.Contains("MPPE keys OK: 1  mismatch: 0", login.Stdout, StringComparison.Ordinal);

        // The access point's accounting once DHCP gave the laptop 127.0.0.9: it reports the outer identity, and echoes
        // the Class from the Accept, which is what names alice.
        var classValue = System.Text.RegularExpressions.Regex.Match(login.Stdout, @"Attribute 25 \(Class\) length=\d+\s+Value: ([0-9a-f]+)").Groups[1].Value;
        Assert.NotEmpty(classValue);
        var start = await Radclient("acct", $"User-Name = anonymous, Class = 0x{classValue}, Acct-Status-Type = Start, Acct-Session-Id = ap1-0001, Framed-IP-Address = 127.0.0.9, NAS-Identifier = hall-ap");
        Assert.Contains("Received Accounting-Response", start, StringComparison.Ordinal);

        // A device that claims to be the head teacher, whom this server never let in, is not believed.
        await Radclient("acct", "User-Name = head.teacher, Acct-Status-Type = Start, Acct-Session-Id = ap1-0002, Framed-IP-Address = 127.0.0.11, NAS-Identifier = hall-ap");

        var before = DateTimeOffset.UtcNow;
        await _appliance.DigAsync("-b", "127.0.0.9", "h1.test");
        await _appliance.DigAsync("-b", "127.0.0.10", "h1.test");   // another device: no session, placed by subnet
        await _appliance.DigAsync("-b", "127.0.0.11", "h1.test");

        var health = await _appliance.HealthAsync();
        var radius = health.GetProperty("radius");
        Assert.Equal(1, radius.GetProperty("accepts").GetInt64());
        Assert.Equal(1, radius.GetProperty("sessions").GetInt32());
        Assert.Equal(1, radius.GetProperty("unverifiedAccounting").GetInt64());
        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", radius.GetProperty("certificateSha256").GetString());
        Assert.Equal(0, _appliance.StopGracefully());

        using var journal = QueryJournal.Open(Path.Combine(_appliance.DataDir, "journal.db"));
        var alice = Assert.Single(journal.Timeline("127.0.0.9", before, TimeSpan.FromMinutes(5)));
        Assert.Equal(("alice", "pupils"), (alice.User, alice.Group));
        Assert.True((alice.Flags & 8) != 0, "blocked by the pupils' deny rule");
        var other = Assert.Single(journal.Timeline("127.0.0.10", before, TimeSpan.FromMinutes(5)));
        Assert.Equal((null, "staff"), (other.User, other.Group));
        Assert.True((other.Flags & 8) == 0);
        Assert.Null(Assert.Single(journal.Timeline("127.0.0.11", before, TimeSpan.FromMinutes(5))).User);
    }

    private async Task<string> Radclient(string command, string attributes)
    {
        var input = Path.Combine(_dir, $"{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(input, attributes + "\n");
        var port = command == "acct" ? _accountingPort : _authPort;
        var result = await Processes.RunAsync("radclient", ["-x", "-r", "1", "-t", "2", "-f", input, $"127.0.0.1:{port}", command, Secret]);
        return result.Stdout + result.Stderr;
    }
}
