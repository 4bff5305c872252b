using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// The policy page's two-person rule over real HTTP against the appliance process, with dig against its DNS port: a
/// technician's proposal changes nothing until a head approves it; the proposer cannot approve; a statutory list is
/// neither switched off nor allowed around by any proposal; governors and teachers get 403 on the page and the API.
/// </summary>
public sealed partial class PolicyPageTests : IAsyncLifetime
{
    private const string Password = "a-long-enough-password";

    private const string Policy = """
        {
          "defaultGroup": "pupils",
          "groups": [ { "name": "pupils", "blockedCategories": ["pornography"] }, { "name": "staff" } ],
          "subnets": [ { "subnet": "127.0.0.2/32", "group": "staff" } ]
        }
        """;

    private readonly Nsd _nsd = new();
    // The lists, policy and config sit in the appliance's data directory, which the process's Dispose removes.
    private readonly string _dataDir = Directory.CreateTempSubdirectory("policy-page-").FullName;
    private ApplianceProcess _appliance = null!;

    private string Inputs => Path.Combine(_dataDir, "inputs");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Inputs);
        await _nsd.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(Inputs, "gambling.txt"), "||www.test^\n");
        await File.WriteAllTextAsync(Path.Combine(Inputs, "fake-iwf.txt"), "h3.test\n");
        await File.WriteAllTextAsync(Path.Combine(Inputs, "policy.json"), Policy);
        var config = Path.Combine(Inputs, "config.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "filtering": {
                "lists": [ { "source": "{{Inputs}}/gambling.txt", "category": "gambling" } ],
                "statutoryLists": [ { "source": "{{Inputs}}/fake-iwf.txt", "list": "iwf" } ],
                "policyFile": "{{Inputs}}/policy.json"
              }
            }
            """);
        try
        {
            _appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", _nsd.Address], dataDir: _dataDir);
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
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_technicians_proposal_takes_effect_only_when_a_head_approves_it_and_dig_then_sees_the_block()
    {
        using var tech = await SignedInTechnician();
        using var head = await Account(tech, "head.teacher", "head");
        Assert.Equal("192.0.2.10", Address(await Dig("www.test")));

        var page = await tech.GetStringAsync("/policy");
        Assert.Contains("IWF child sexual abuse list (locked)", page, StringComparison.Ordinal);
        Assert.DoesNotContain("h3.test", page, StringComparison.Ordinal);   // the statutory list's content is never shown
        var proposed = await Post(tech, "/policy", "/policy/group", ("baseVersion", "1"), ("group", "pupils"), ("blocked", "pornography"),
            ("blocked", "gambling"), ("safeSearch", "on"), ("youTube", "moderate"), ("allow", ""), ("deny", ""), ("reason", "Gambling adverts seen in Year 9"));
        Assert.Contains("Proposal #1 recorded", proposed, StringComparison.Ordinal);
        Assert.Contains("group 'pupils': blocked +gambling", WebUtility.HtmlDecode(proposed), StringComparison.Ordinal);   // the diff
        Assert.DoesNotContain("Approve #1", proposed, StringComparison.Ordinal);

        // The proposer cannot approve it: not on the page, not by posting the form, not through the API.
        var token = TokenRegex().Match(proposed).Groups[1].Value;
        Assert.Equal(HttpStatusCode.Forbidden, (await tech.PostAsync("/policy/proposals/1/approve", Form(("__af", token)))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await tech.PostAsync("/api/policy/proposals/1/approve", Json("{}"))).StatusCode);
        Assert.Equal(1, (await Api(tech, "/api/policy")).GetProperty("version").GetInt64());
        Assert.Equal("192.0.2.10", Address(await Dig("www.test")));

        // Forms without their anti-forgery token are refused before anything is decided.
        Assert.Equal(HttpStatusCode.BadRequest, (await head.PostAsync("/policy/proposals/1/approve", Form(("note", "forged")))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await tech.PostAsync("/policy/proposals/1/withdraw", Form())).StatusCode);
        var approved = await Post(head, "/policy", "/policy/proposals/1/approve", ("note", "Agreed at the safeguarding meeting"));
        Assert.Contains("Proposal #1 approved: the policy is now version 2.", approved, StringComparison.Ordinal);
        var current = await Api(head, "/api/policy");
        Assert.Equal(2, current.GetProperty("version").GetInt64());
        Assert.Equal("tech (proposed), head.teacher (approved)", current.GetProperty("actor").GetString());
        var proposal = (await Api(tech, "/api/policy/proposals"))[0];
        Assert.Equal(("approved", "head.teacher", 2), (proposal.GetProperty("state").GetString(), proposal.GetProperty("decidedBy").GetString(),
            proposal.GetProperty("appliedVersion").GetInt32()));

        var blocked = await Dig("www.test");
        Assert.Equal("0.0.0.0", Address(blocked));
        Assert.Contains("(blocked: gambling)", blocked.Stdout, StringComparison.Ordinal);
        Assert.Equal("192.0.2.10", Address(await Dig("www.test", "127.0.0.2")));   // staff unchanged
    }

    [Fact]
    public async Task No_proposal_switches_a_statutory_list_off_or_allows_around_it()
    {
        using var tech = await SignedInTechnician();
        using var dsl = await Account(tech, "dsl.jones", "dsl");

        var refused = await Post(tech, "/policy", "/policy/schedule", ("baseVersion", "1"), ("group", "pupils"), ("name", "lunch"), ("days", "mon"),
            ("from", "12:00"), ("to", "13:00"), ("when", "always"), ("unblock", "statutory-iwf"), ("reason", "Trying to lift the IWF list at lunch"));
        Assert.Contains("role=\"alert\"", refused, StringComparison.Ordinal);
        Assert.Contains("is a locked statutory list", refused, StringComparison.Ordinal);
        var viaApi = await tech.PostAsync("/api/policy/proposals", Json($$"""
            { "baseVersion": 1, "reason": "Trying to block nothing at all", "document": {{Policy.Replace("\"pornography\"", "\"statutory-iwf\"", StringComparison.Ordinal)}} }
            """));
        Assert.Equal(HttpStatusCode.BadRequest, viaApi.StatusCode);
        Assert.Empty((await Api(tech, "/api/policy/proposals")).EnumerateArray());

        // An allow entry for a statutory name is accepted as a change, but the statutory list stays above it.
        var allow = await tech.PostAsync("/api/policy/proposals", Json($$"""
            { "baseVersion": 1, "reason": "Allow h3.test for the pupils", "document": {{Policy.Replace("\"pornography\"]", "\"pornography\"], \"allow\": [\"h3.test\"]", StringComparison.Ordinal)}} }
            """));
        Assert.Equal(HttpStatusCode.Created, allow.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await dsl.PostAsync("/api/policy/proposals/1/approve", Json("""{ "reason": "checking the lock" }"""))).StatusCode);
        Assert.Equal(2, (await Api(dsl, "/api/policy")).GetProperty("version").GetInt64());
        Assert.Equal("0.0.0.0", Address(await Dig("h3.test")));
        Assert.Equal("0.0.0.0", Address(await Dig("h3.test", "127.0.0.2")));
    }

    [Fact]
    public async Task Governors_and_teachers_get_403_on_the_page_and_the_api()
    {
        using var tech = await SignedInTechnician();
        foreach (var role in new[] { "governor", "teacher" })
        {
            using var other = await Account(tech, $"a.{role}", role);
            var dashboard = await other.GetStringAsync("/");
            Assert.DoesNotContain("href=\"/policy\"", dashboard, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("/policy")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("/api/policy")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("/api/policy/proposals")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsync("/api/policy/proposals", Json("""{ "baseVersion": 1, "reason": "x" }"""))).StatusCode);
            var token = TokenRegex().Match(dashboard).Groups[1].Value;
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsync("/policy/group", Form(("__af", token), ("group", "pupils")))).StatusCode);
        }

        Assert.Empty((await Api(tech, "/api/policy/proposals")).EnumerateArray());
    }

    private Task<Processes.Result> Dig(string name, string client = "127.0.0.1") => _appliance.DigAsync(["-b", client, name]);

    private static string Address(Processes.Result dig) => DigOutput.Answers(dig.Stdout) is { Count: > 0 } answers ? answers[^1][4] : DigOutput.Status(dig.Stdout);

    private async Task<HttpClient> SignedInTechnician()
    {
        var tech = Browser();
        var code = SetupCodeRegex().Match(_appliance.Output).Groups[1].Value;
        Assert.Contains("<h1>Dashboard</h1>", await Post(tech, "/setup", "/setup", ("code", code), ("name", "tech"), ("password", Password)), StringComparison.Ordinal);
        return tech;
    }

    private async Task<HttpClient> Account(HttpClient tech, string name, string role)
    {
        Assert.Contains($"Added {name} ({role}).", await Post(tech, "/accounts", "/accounts", ("name", name), ("role", role), ("password", Password)), StringComparison.Ordinal);
        var browser = Browser();
        Assert.Contains("<h1>Dashboard</h1>", await Post(browser, "/login", "/login", ("name", name), ("password", Password)), StringComparison.Ordinal);
        return browser;
    }

    private static async Task<JsonElement> Api(HttpClient browser, string path)
    {
        var response = await browser.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private HttpClient Browser() => new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{_appliance.WebPort}"),
    };

    // Fetches the page first for its anti-forgery token (and cookie), as a browser would, then posts the form.
    private static async Task<string> Post(HttpClient browser, string page, string path, params (string Name, string Value)[] fields)
    {
        var token = TokenRegex().Match(await browser.GetStringAsync(page)).Groups[1].Value;
        var response = await browser.PostAsync(path, Form([.. fields, ("__af", token)]));
        return await response.Content.ReadAsStringAsync();
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [GeneratedRegex("Web UI setup code: ([A-Z0-9-]+)")]
    private static partial Regex SetupCodeRegex();

    [GeneratedRegex("name=\"__af\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();
}
