using System.Net;
using System.Text;
using System.Text.Json;
using Appliance.IntegrationTests.Peers;
using Appliance.TestSupport;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// Lesson sites end to end against the appliance process (issue 9): a teacher plans a lesson through the API with a
/// real web site (Kestrel on loopback, named through the appliance's own hosts file) and a real upstream (NSD). The
/// site in a blocked category is blocked for dig until a DSL approves it, then allowed with the lesson reason while
/// the lesson runs; the statutory site is refused and cannot be approved; the box fetches the pages and their
/// same-site assets, reports what it got, and serves them from its mirror, by path and by the mirror's own name
/// (which its resolver answers), after the site has gone.
/// </summary>
public sealed class LessonEndToEndTests : IAsyncLifetime
{
    private const string Password = "a-long-enough-password";
    private readonly Nsd _nsd = new();
    private readonly string _dataDir = Directory.CreateTempSubdirectory("lessons-e2e-").FullName;
    private LessonSite _site = null!;
    private ApplianceProcess _appliance = null!;

    private string Inputs => Path.Combine(_dataDir, "inputs");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Inputs);
        await _nsd.StartAsync();
        _site = await LessonSite.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(Inputs, "games.txt"), "h1.test\n");
        await File.WriteAllTextAsync(Path.Combine(Inputs, "fake-iwf.txt"), "h3.test\n");
        // A zone whose local time is about midday now, so a one-hour lesson starting a minute ago never crosses midnight.
        var offset = 12 - DateTime.UtcNow.Hour;
        var zone = offset >= 0 ? $"Etc/GMT-{offset}" : $"Etc/GMT+{-offset}";
        await File.WriteAllTextAsync(Path.Combine(Inputs, "policy.json"), $$"""
            { "timeZone": "{{zone}}", "defaultGroup": "pupils",
              "groups": [ { "name": "pupils", "blockedCategories": ["games"] }, { "name": "juniors", "blockedCategories": ["games"] }, { "name": "staff" } ],
              "subnets": [ { "subnet": "127.0.0.3/32", "group": "juniors" } ] }
            """);
        await File.WriteAllTextAsync(Path.Combine(Inputs, "hosts"), "127.0.0.1 localhost\n127.0.0.1 h1.test h2.test h3.test other.test\n");
        var config = Path.Combine(Inputs, "config.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "filtering": {
                "lists": [ { "source": "{{Inputs}}/games.txt", "category": "games" } ],
                "statutoryLists": [ { "source": "{{Inputs}}/fake-iwf.txt", "list": "iwf" } ],
                "policyFile": "{{Inputs}}/policy.json"
              },
              "lessons": { "mirrorHostName": "lessons.school.internal", "mirrorAddress": "127.0.0.1", "fetchFrom": "any" }
            }
            """);
        try
        {
            _appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", _nsd.Address], dataDir: _dataDir, hostsFile: Path.Combine(Inputs, "hosts"));
        }
        catch
        {
            // xUnit does not call DisposeAsync when InitializeAsync throws: stop the peers here, or NSD outlives the run.
            await _site.DisposeAsync();
            _nsd.Dispose();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        _appliance.Dispose();
        await _site.DisposeAsync();
        _nsd.Dispose();
    }

    [Fact]
    public async Task A_lesson_opens_its_approved_sites_for_its_window_and_serves_its_copies_after_the_site_has_gone()
    {
        using var tech = await WebSession.TechnicianAsync(_appliance);
        using var teacher = await tech.AddAsync(_appliance, "ms.jones", "teacher", Password);
        using var dsl = await tech.AddAsync(_appliance, "dsl.patel", "dsl", Password);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Inputs, "policy.json"))).RootElement.GetProperty("timeZone").GetString()!);
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).AddMinutes(-1);
        Assert.Equal("0.0.0.0", Address(await Dig("h1.test")));   // games: blocked before the lesson

        var created = await teacher.Http.PostAsync("/api/lessons", Json($$"""
            { "title": "Volcanoes", "group": "pupils", "date": "{{local:yyyy-MM-dd}}", "start": "{{local:HH:mm}}", "end": "{{local.AddHours(1):HH:mm}}",
              "weekly": false, "sites": [ { "url": "{{_site.Url("h1.test", "old-lava.html")}}", "note": "the simulation" },
                                          { "url": "{{_site.Url("h2.test", "lava.html")}}", "note": "read first" },
                                          { "url": "http://h3.test/", "note": "" } ] }
            """));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var lesson = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var id = lesson.GetProperty("id").GetInt64();
        var sites = lesson.GetProperty("sites");
        Assert.Equal(["pending", "allowed", "refused"], sites.EnumerateArray().Select(s => s.GetProperty("status").GetString()));
        Assert.Equal("0.0.0.0", Address(await Dig("h1.test")));   // still blocked: waiting for approval

        // The statutory site can never be approved; the DSL approves the games site with a reason.
        var refused = await dsl.Http.PostAsync($"/api/lessons/{id}/sites/{sites[2].GetProperty("id").GetInt64()}/decision", Json("""{ "approve": true, "reason": "please" }"""));
        Assert.False(refused.IsSuccessStatusCode);
        var approved = await dsl.Http.PostAsync($"/api/lessons/{id}/sites/{sites[0].GetProperty("id").GetInt64()}/decision",
            Json("""{ "approve": true, "reason": "volcano simulation for Year 8" }"""));
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);

        // The lesson runs now: the approved site is open for the pupils (the service reloads its windows on the change).
        await Eventually.True(async () => Address(await Dig("h1.test")) == "192.0.2.101", TimeSpan.FromSeconds(20), () => "h1.test was not opened for the lesson");
        Assert.Equal("0.0.0.0", Address(await Dig("h3.test")));   // the statutory list stays above everything

        // Pre-fetch now, and the report the teacher sees.
        // (409: the service already started one, since the lesson is within its lead time.)
        Assert.Contains((await teacher.Http.PostAsync($"/api/lessons/{id}/fetch", Json("{}"))).StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict });
        JsonElement report = default;
        await Eventually.True(async () =>
        {
            var got = JsonDocument.Parse(await teacher.Http.GetStringAsync($"/api/lessons/{id}")).RootElement;
            // The report of a fetch after the approval: it has the approved site's page (an earlier one may not).
            return got.TryGetProperty("lastFetch", out report) && report.ValueKind == JsonValueKind.Object
                && report.GetProperty("lines").EnumerateArray().Any(l => l.GetProperty("url").GetString()!.Contains("h1.test", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(30), () => "no fetch report with the approved site");
        var lines = report.GetProperty("lines").EnumerateArray().ToList();
        string Outcome(string suffix) => lines.First(l => l.GetProperty("url").GetString()!.EndsWith(suffix, StringComparison.Ordinal)).GetProperty("outcome").GetString()!;
        Assert.Equal("fetched", Outcome("h2.test:" + _site.Port + "/lava.html"));
        Assert.Equal("fetched", Outcome("/css/site.css"));
        Assert.Equal("fetched", Outcome("/img/bg.png"));   // from the stylesheet's url()
        Assert.Equal("fetched", Outcome("/fonts/v.woff2"));
        Assert.Contains(lines, l => l.GetProperty("url").GetString() == "http://other.test/tracker.png" && l.GetProperty("outcome").GetString() == "skipped");
        Assert.DoesNotContain(_site.Requests, r => r.StartsWith("other.test", StringComparison.Ordinal));
        Assert.DoesNotContain(_site.Requests, r => r.StartsWith("h3.test", StringComparison.Ordinal));

        // The mirror, with the site gone: by path, and by the mirror's own name, which the box's resolver answers.
        await _site.DisposeAsync();
        using var pupil = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_appliance.WebPort}") };
        var index = await pupil.GetAsync($"/mirror/{id}/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        var indexHtml = await index.Content.ReadAsStringAsync();
        Assert.Contains("Volcanoes", indexHtml, StringComparison.Ordinal);
        Assert.Contains("HTTPS sites cannot be cached transparently", indexHtml, StringComparison.Ordinal);
        Assert.Contains("sandbox", index.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var page = await pupil.GetAsync($"/mirror/{id}/http/h2.test:{_site.Port}/lava.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("How lava flows", html, StringComparison.Ordinal);
        // The page's links lead to the copies as a browser resolves them, under /mirror/ as under the mirror's name.
        var stylesheet = System.Text.RegularExpressions.Regex.Match(html, "<link rel=\"stylesheet\" href=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEqual("/css/site.css", stylesheet);
        var css = await pupil.GetAsync(new Uri(page.RequestMessage!.RequestUri!, stylesheet));
        Assert.Equal((HttpStatusCode.OK, "text/css"), (css.StatusCode, css.Content.Headers.ContentType?.MediaType));
        var image = await pupil.GetByteArrayAsync($"/mirror/{id}/http/h2.test:{_site.Port}/img/lava.png");
        Assert.Equal("lava", Encoding.ASCII.GetString(image[8..]));

        // The approved games site's copy is for the lesson's class (pupils) during the lesson, as the live site is:
        // juniors (127.0.0.3) get neither.
        var approvedCopy = $"/mirror/{id}/http/h1.test:{_site.Port}/lava.html";
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(approvedCopy)).StatusCode);
        using var junior = new HttpClient(new SocketsHttpHandler { ConnectCallback = FromAsync("127.0.0.3") }) { BaseAddress = pupil.BaseAddress };
        Assert.Equal(HttpStatusCode.Forbidden, (await junior.GetAsync(approvedCopy)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await junior.GetAsync($"/mirror/{id}/http/h2.test:{_site.Port}/lava.html")).StatusCode);
        Assert.Equal("0.0.0.0", Address(await _appliance.DigAsync(["-b", "127.0.0.3", "h1.test"])));

        Assert.Equal("127.0.0.1", Address(await Dig("lessons.school.internal")));
        using var byName = new HttpRequestMessage(HttpMethod.Get, $"/{id}/http/h2.test:{_site.Port}/lava.html");
        byName.Headers.Host = "lessons.school.internal";
        var viaName = await pupil.SendAsync(byName);
        Assert.Equal(HttpStatusCode.OK, viaName.StatusCode);
        var htmlByName = await viaName.Content.ReadAsStringAsync();
        Assert.Contains("How lava flows", htmlByName, StringComparison.Ordinal);
        var image2 = System.Text.RegularExpressions.Regex.Match(htmlByName, "<img src=\"([^\"]+)\"").Groups[1].Value;
        using var imageByName = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri($"http://127.0.0.1:{_appliance.WebPort}/{id}/http/h2.test:{_site.Port}/lava.html"), image2));
        imageByName.Headers.Host = "lessons.school.internal";
        Assert.Equal(HttpStatusCode.OK, (await pupil.SendAsync(imageByName)).StatusCode);

    }

    // Connections from another loopback address: a client the policy places in another group.
    private static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> FromAsync(string source) => async (context, cancel) =>
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        await socket.ConnectAsync(context.DnsEndPoint, cancel);
        return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
    };

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private Task<Processes.Result> Dig(string name) => _appliance.DigAsync([name]);

    private static string Address(Processes.Result dig) => DigOutput.Answers(dig.Stdout) is { Count: > 0 } answers ? answers[^1][4] : DigOutput.Status(dig.Stdout);
}
