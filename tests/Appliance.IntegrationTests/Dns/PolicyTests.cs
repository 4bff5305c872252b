using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Dns;

/// <summary>
/// A school's policy end to end: a config with lists, a statutory list and a policy file; two groups told apart
/// by subnet (dig -b 127.0.0.2 is "staff"); every answer kind seen through dig; and the policy CLI changing the
/// running appliance.
/// </summary>
public sealed class PolicyTests : IAsyncLifetime
{
    private const string GoogleZone = """
        $ORIGIN google.com.
        $TTL 300
        @ IN SOA ns.google.com. admin.google.com. 1 3600 600 86400 60
        @ IN NS ns.test.
        forcesafesearch IN A 216.239.38.120
        forcesafesearch IN AAAA 2001:4860:4802:32::78
        www IN A 192.0.2.50
        """;

    private const string Policy = """
        {
          "defaultGroup": "pupils",
          "groups": [
            { "name": "pupils", "blockedCategories": ["all"], "youTube": "strict", "allow": ["h3.test"] },
            { "name": "staff", "safeSearch": false, "youTube": "off", "allow": ["h3.test"], "deny": ["=h4.test"] }
          ],
          "subnets": [ { "subnet": "127.0.0.2/32", "group": "staff" } ]
        }
        """;

    private readonly Nsd _nsd = new(("google.com", GoogleZone));
    private readonly string _dir = Directory.CreateTempSubdirectory("policy-").FullName;
    private ApplianceProcess _appliance = null!;

    private string ConfigPath => Path.Combine(_dir, "config.json");

    public async Task InitializeAsync()
    {
        await _nsd.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(_dir, "gambling.txt"), "||www.test^\n");
        await File.WriteAllTextAsync(Path.Combine(_dir, "fake-iwf.txt"), "h3.test\n");
        await File.WriteAllTextAsync(Path.Combine(_dir, "policy.json"), Policy);
        await File.WriteAllTextAsync(ConfigPath, $$"""
            {
              "filtering": {
                "lists": [ { "source": "{{_dir}}/gambling.txt", "category": "gambling" } ],
                "statutoryLists": [ { "source": "{{_dir}}/fake-iwf.txt", "list": "iwf" } ],
                "policyFile": "{{_dir}}/policy.json"
              }
            }
            """);
        _appliance = await ApplianceProcess.StartAsync(["--config", ConfigPath, "--upstream", _nsd.Address]);
    }

    public Task DisposeAsync()
    {
        _appliance.Dispose();
        _nsd.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private Task<Processes.Result> Dig(string client, params string[] args) => _appliance.DigAsync(["-b", client, .. args]);

    private Task<Processes.Result> Cli(params string[] args)
        => Processes.RunAsync(ApplianceProcess.Executable, [.. args, "--config", ConfigPath, "--data-dir", _appliance.DataDir], TimeSpan.FromSeconds(30));

    private static async Task<Processes.Result> Until(Func<Task<Processes.Result>> dig, Func<Processes.Result, bool> done)
    {
        var result = await dig();
        for (var i = 0; i < 30 && !done(result); i++)
        {
            await Task.Delay(200);
            result = await dig();
        }

        return result;
    }

    [Fact]
    public async Task SafeSearch_Pupils_CnameToTheEnforcementNameWithItsAddress()
    {
        var result = await Until(() => Dig("127.0.0.1", "www.google.com"), r => DigOutput.Status(r.Stdout) == "NOERROR");

        var answers = DigOutput.Answers(result.Stdout);
        Assert.Equal(["www.google.com.", "CNAME", "forcesafesearch.google.com."], [answers[0][0], answers[0][3], answers[0][4]]);
        Assert.Equal(["forcesafesearch.google.com.", "A", "216.239.38.120"], [answers[1][0], answers[1][3], answers[1][4]]);
    }

    [Fact]
    public async Task SafeSearch_Staff_Unfiltered()
    {
        var result = await Dig("127.0.0.2", "www.google.com");

        Assert.Equal(["A", "192.0.2.50"], DigOutput.Answers(result.Stdout).Single()[3..5]);
    }

    [Fact]
    public async Task SafeSearch_HttpsRecord_NoData()
    {
        var result = await Dig("127.0.0.1", "www.google.com", "TYPE65");

        Assert.Equal("NOERROR", DigOutput.Status(result.Stdout));
        Assert.Equal(0, DigOutput.AnswerCount(result.Stdout));
    }

    [Fact]
    public async Task CnameChain_ToABlockedName_BlockedForPupils_AllowedForStaff()
    {
        var pupils = await Dig("127.0.0.1", "alias.test");
        var staff = await Dig("127.0.0.2", "alias.test");

        Assert.Equal(["A", "0.0.0.0"], DigOutput.Answers(pupils.Stdout).Single()[3..5]);
        Assert.Contains("EDE: 15 (Blocked): (blocked: gambling)", pupils.Stdout, StringComparison.Ordinal);
        Assert.Equal(["CNAME", "www.test."], DigOutput.Answers(staff.Stdout)[0][3..5]);
    }

    [Fact]
    public async Task Statutory_BlockedForEveryGroup_DespiteAllowEntries()
    {
        foreach (var client in new[] { "127.0.0.1", "127.0.0.2" })
        {
            var result = await Dig(client, "h3.test");
            Assert.Equal(["A", "0.0.0.0"], DigOutput.Answers(result.Stdout).Single()[3..5]);
            Assert.Contains("(blocked: statutory-iwf)", result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DenyEntry_OnlyForItsGroup()
    {
        var staff = await Dig("127.0.0.2", "h4.test");
        var pupils = await Dig("127.0.0.1", "h4.test");

        Assert.Equal("0.0.0.0", DigOutput.Answers(staff.Stdout).Single()[4]);
        Assert.Equal("192.0.2.104", DigOutput.Answers(pupils.Stdout).Single()[4]);
    }

    [Fact]
    public async Task HttpsRecord_EchStripped_OtherParametersKept()
    {
        var upstream = await Processes.RunAsync("dig", ["@127.0.0.1", "-p", _nsd.Port.ToString(), "+norec", "svc.test", "TYPE65"]);
        var result = await Dig("127.0.0.1", "svc.test", "TYPE65");

        Assert.Contains("ech=", upstream.Stdout, StringComparison.Ordinal);   // the upstream's record has it
        var answer = DigOutput.Answers(result.Stdout).Single();
        Assert.Equal("HTTPS", answer[3]);
        var rdata = string.Join(' ', answer[4..]);
        Assert.DoesNotContain("ech=", rdata, StringComparison.Ordinal);
        Assert.Contains("alpn=\"h2\"", rdata, StringComparison.Ordinal);
        Assert.Contains("ipv6hint=2001:db8::1", rdata, StringComparison.Ordinal);
        Assert.True(await _appliance.CounterAsync("echStripped") >= 1);
    }

    [Fact]
    public async Task Explain_SaysWhichRuleActed()
    {
        var deny = await Cli("policy", "explain", "--client", "127.0.0.2", "--name", "h4.test");
        var statutory = await Cli("policy", "explain", "--client", "127.0.0.1", "--name", "h3.test");

        Assert.Equal(0, deny.ExitCode);
        Assert.Contains("group 'staff' (by subnet)", deny.Stdout, StringComparison.Ordinal);
        Assert.Contains("reason   111 DnsBlockedCustom", deny.Stdout, StringComparison.Ordinal);
        Assert.Contains("reason   120 DnsBlockedStatutory: on a locked statutory list (statutory-iwf)", statutory.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_WhileRunning_TakesEffectWithinSeconds_AndIsInTheHistory()
    {
        Assert.Equal("0.0.0.0", DigOutput.Answers((await Dig("127.0.0.1", "www.test")).Stdout).Single()[4]);
        var next = Path.Combine(_dir, "next.json");
        await File.WriteAllTextAsync(next, Policy.Replace("\"blockedCategories\": [\"all\"]", "\"blockedCategories\": [\"drugs\"]", StringComparison.Ordinal));

        var set = await Cli("policy", "set", next, "--by", "ict-technician", "--reason", "gambling list under review");
        var result = await Until(() => Dig("127.0.0.1", "www.test"), r => DigOutput.Answers(r.Stdout) is [{ } first, ..] && first[4] == "192.0.2.10");
        var history = await Cli("policy", "history");

        Assert.Equal(0, set.ExitCode);
        Assert.Contains("group 'pupils': blocked +drugs -all", set.Stdout, StringComparison.Ordinal);
        Assert.Equal("192.0.2.10", DigOutput.Answers(result.Stdout).Single()[4]);
        Assert.Contains("applied\tv2\tict-technician\tgambling list under review", history.Stdout, StringComparison.Ordinal);

        // The change is in the hash-chained audit log too, after the start-up's configuration and first policy.
        var audit = await Cli("audit", "show");
        var verify = await Cli("audit", "verify");
        Assert.Contains(" system config.changed ", audit.Stdout, StringComparison.Ordinal);
        Assert.Contains(" system policy.apply policy v1 ", audit.Stdout, StringComparison.Ordinal);
        Assert.Contains(" ict-technician policy.apply policy v2 {\"reason\":\"gambling list under review\"", audit.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, verify.ExitCode);
        Assert.Contains("intact: 3 entries, seq 1–3", verify.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_InvalidPolicy_Exit2NamingEachField_RunningPolicyUnchanged()
    {
        var bad = Path.Combine(_dir, "bad.json");
        await File.WriteAllTextAsync(bad, Policy.Replace("\"all\"", "\"porn\"", StringComparison.Ordinal).Replace("127.0.0.2/32", "127.0.0.2/40", StringComparison.Ordinal));

        var set = await Cli("policy", "set", bad, "--by", "ict-technician", "--reason", "typo");
        var history = await Cli("policy", "history");
        var still = await Dig("127.0.0.1", "www.test");

        Assert.Equal(2, set.ExitCode);
        Assert.Contains("groups[0].blockedCategories: 'porn' is not a category", set.Stderr, StringComparison.Ordinal);
        Assert.Contains("subnets[0].subnet: '127.0.0.2/40'", set.Stderr, StringComparison.Ordinal);
        Assert.Contains("refused\t-\tict-technician\ttypo", history.Stdout, StringComparison.Ordinal);
        Assert.Contains(" ict-technician policy.refused policy {\"reason\":\"typo\",\"errors\":[", (await Cli("audit", "show")).Stdout, StringComparison.Ordinal);
        Assert.Equal("0.0.0.0", DigOutput.Answers(still.Stdout).Single()[4]);
    }
}
