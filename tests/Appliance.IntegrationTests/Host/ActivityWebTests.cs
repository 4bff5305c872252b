using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Appliance.IntegrationTests.Peers;
using Appliance.Journal.Audit;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// The Activity page over real HTTP against the appliance process (issue 8): a real dig query for a listed name is
/// blocked, and the DSL finds it on the page, in /api/activity and on the device's timeline; the look is in the audit
/// log; a governor and a teacher get 403 on all of it.
/// </summary>
public sealed partial class ActivityWebTests : IAsyncLifetime
{
    private const string Password = "a-long-enough-password";
    private readonly string _dir = Directory.CreateTempSubdirectory("activity-it-").FullName;
    private ApplianceProcess _appliance = null!;

    public async Task InitializeAsync()
    {
        var list = Path.Combine(_dir, "gambling.txt");
        await File.WriteAllTextAsync(list, "casino-royale.test\n");
        _appliance = await ApplianceProcess.StartAsync(["--block", list + ":gambling"]);
    }

    public Task DisposeAsync()
    {
        _appliance.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_blocked_dig_query_is_found_by_the_DSL_on_the_page_the_API_and_the_timeline_and_the_look_is_audited()
    {
        using var technician = new Session(_appliance.WebPort);
        await technician.SubmitAsync("/setup", ("code", SetupCodeRegex().Match(_appliance.Output).Groups[1].Value), ("name", "tech"), ("password", Password));
        foreach (var (name, role) in new[] { ("safeguarding", "dsl"), ("governor", "governor"), ("teacher", "teacher") })
        {
            Assert.Contains($"Added {name}", await technician.SubmitAsync("/accounts", ("name", name), ("role", role), ("password", Password)), StringComparison.Ordinal);
        }

        var dig = await _appliance.DigAsync("www.casino-royale.test");
        Assert.Contains("EDE: 15 (Blocked): (blocked: gambling)", dig.Stdout, StringComparison.Ordinal);   // the listed name and what is under it

        using var dsl = new Session(_appliance.WebPort);
        Assert.Contains("href=\"/activity\"", await dsl.SubmitAsync("/login", ("name", "safeguarding"), ("password", Password)), StringComparison.Ordinal);

        // The drain writes the journal within tens of milliseconds; poll the API until the row is there (no fixed sleep).
        JsonElement row = default;
        for (var attempt = 0; attempt < 100 && row.ValueKind == JsonValueKind.Undefined; attempt++)
        {
            var api = await dsl.Http.GetFromJsonAsync<JsonElement>("/api/activity?name=casino-royale.test&match=domain&blocked=on");
            if (api.GetProperty("rows").GetArrayLength() > 0)
            {
                row = api.GetProperty("rows")[0];
            }
            else
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(JsonValueKind.Object, row.ValueKind);
        Assert.Equal(("www.casino-royale.test", "127.0.0.1", true, "gambling", "DNS"),
            (row.GetProperty("name").GetString(), row.GetProperty("device").GetString(), row.GetProperty("blocked").GetBoolean(),
             row.GetProperty("categories").GetString(), row.GetProperty("source").GetString()));

        var page = await dsl.Http.GetStringAsync("/activity?device=127.0.0.1&category=gambling");
        Assert.Contains("<td>www.casino-royale.test</td>", page, StringComparison.Ordinal);
        Assert.Contains("Blocked: blocked category", page, StringComparison.Ordinal);
        Assert.Contains("<script src=\"/activity.js\" defer></script>", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await dsl.Http.GetAsync("/activity.js")).StatusCode);
        var nobody = await dsl.Http.GetStringAsync("/activity?name=casino&user=nobody");
        Assert.Contains("No events found.", nobody, StringComparison.Ordinal);
        Assert.DoesNotContain("casino-royale.test</td>", nobody, StringComparison.Ordinal);

        var timeline = await dsl.Http.GetStringAsync(WebUtility.HtmlDecode(TimelineLinkRegex().Match(page).Groups[1].Value));
        Assert.Contains("<h2>Device 127.0.0.1", timeline, StringComparison.Ordinal);
        Assert.Matches("class=\" ?blocked moment\"[^>]*aria-current=\"true\"", timeline);

        var bad = await dsl.Http.GetAsync("/activity?category=bingo");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("role=\"alert\">&#x27;bingo&#x27; is not a category.", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using (var audit = AuditLog.Open(Path.Combine(_appliance.DataDir, "audit.db")))
        {
            var looks = audit.Tail(200).Where(e => e.Actor == "safeguarding").ToList();
            Assert.Contains(looks, e => e.Action == "activity.search" && e.Subject == "device 127.0.0.1" && e.Detail.Contains("\"category\":\"gambling\"", StringComparison.Ordinal));
            Assert.Contains(looks, e => e.Action == "activity.timeline" && e.Subject == "device 127.0.0.1");
        }

        foreach (var name in new[] { "governor", "teacher" })
        {
            using var other = new Session(_appliance.WebPort);
            Assert.DoesNotContain("href=\"/activity\"", await other.SubmitAsync("/login", ("name", name), ("password", Password)), StringComparison.Ordinal);
            foreach (var path in new[] { "/activity", "/activity/timeline?by=device&who=127.0.0.1", "/api/activity", "/api/activity?blocked=on", "/activity.js" })
            {
                Assert.Equal(HttpStatusCode.Forbidden, (await other.Http.GetAsync(path)).StatusCode);
            }
        }

        using var anonymous = new Session(_appliance.WebPort);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync("/api/activity")).StatusCode);
    }

    /// <summary>A browser: cookies, redirects followed, and forms posted with the page's own anti-forgery token.</summary>
    private sealed class Session(int port) : IDisposable
    {
        public HttpClient Http { get; } = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        };

        public async Task<string> SubmitAsync(string path, params (string Name, string Value)[] fields)
        {
            var form = await Http.GetStringAsync(path);
            var token = FormTokenRegex().Match(form).Groups[1].Value;
            var content = new FormUrlEncodedContent([.. fields.Select(f => KeyValuePair.Create(f.Name, f.Value)), KeyValuePair.Create("__af", token)]);
            return await (await Http.PostAsync(path, content)).Content.ReadAsStringAsync();
        }

        public void Dispose() => Http.Dispose();
    }

    [GeneratedRegex("Web UI setup code: ([A-Z0-9-]+)")]
    private static partial Regex SetupCodeRegex();

    [GeneratedRegex("name=\"__af\" value=\"([^\"]+)\"")]
    private static partial Regex FormTokenRegex();

    [GeneratedRegex("<a href=\"(/activity/timeline\\?[^\"]+)\">")]
    private static partial Regex TimelineLinkRegex();
}
