using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.TestSupport;
using Microsoft.Data.Sqlite;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// The incidents area over real HTTP against the appliance process (local default: the simulated panel): a teacher's
/// press on the dashboard's virtual panic button raises an incident; the DSL's inbox lists it; acknowledging it there
/// changes what the panel shows; the evidence download matches its recorded digest (and is refused once changed);
/// teachers and governors get 403; every view of evidence and every change is in the audit log.
/// </summary>
public sealed class IncidentWebUiTests : WebUiTest
{
    private const string Password = "a-long-enough-password";

    [Fact]
    public async Task A_teachers_virtual_press_raises_an_incident_the_DSL_acknowledges_and_whose_evidence_matches()
    {
        using var technician = await WebSession.TechnicianAsync(Appliance);
        using var teacherSession = await technician.AddAsync(Appliance, "teacher.t", "teacher", Password);
        using var dslSession = await technician.AddAsync(Appliance, "dsl.jones", "dsl", Password);
        using var governorSession = await technician.AddAsync(Appliance, "governor.g", "governor", Password);
        var (teacher, dsl, governor) = (teacherSession.Http, dslSession.Http, governorSession.Http);

        var dashboard = await teacher.GetStringAsync("/");
        Assert.Contains("id=\"virtual-panic\"", dashboard, StringComparison.Ordinal);
        Assert.Contains("Green: filtering is working", dashboard, StringComparison.Ordinal);   // the LEDs in words
        Assert.Contains("No incident has been raised on this box.", dashboard, StringComparison.Ordinal);
        Assert.Contains("<script src=\"/panel.js\"", dashboard, StringComparison.Ordinal);
        Assert.Contains("fetch(\"/api/panel\"", await teacher.GetStringAsync("/panel.js"), StringComparison.Ordinal);
        await Eventually.True(async () => (await Panel()).GetProperty("buttonLive").GetBoolean(), TimeSpan.FromSeconds(15), () => "the button never went live");

        // The press without its form token is refused; with it, an incident is raised.
        Assert.Equal(HttpStatusCode.BadRequest, (await teacher.PostAsync("/panel/press", WebSession.Form())).StatusCode);
        Assert.Equal(JsonValueKind.Undefined, (await Panel()).TryGetProperty("incident", out var none) ? none.ValueKind : JsonValueKind.Undefined);
        var pressed = await PostFrom(teacher, "/", "/panel/press");
        Assert.Contains("Incident #1 is raised", pressed, StringComparison.Ordinal);
        var panel = await Panel();
        Assert.Equal(("raised", 1L), (panel.GetProperty("incident").GetProperty("state").GetString(), panel.GetProperty("incident").GetProperty("id").GetInt64()));
        Assert.Contains(panel.GetProperty("panic").GetString(), new[] { "raised", "notdelivered" });
        // The LEDs follow within the panel's next look (a quarter second): the store has the raise first.
        await Eventually.True(async () => (await Panel()).GetProperty("patterns").GetProperty("red").GetString() == "blink 2 Hz", TimeSpan.FromSeconds(10),
            () => "the red LED never blinked");

        // Teachers and governors: no incidents, page or API.
        foreach (var client in new[] { teacher, governor })
        {
            foreach (var path in new[] { "/incidents", "/incidents/1", "/incidents/1/evidence", "/api/incidents", "/api/incidents/1" })
            {
                Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(path)).StatusCode);
            }

            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/incidents/1/acknowledge", JsonContent.Create(new { }))).StatusCode);
        }

        var inbox = await dsl.GetStringAsync("/incidents");
        Assert.Contains("<tr id=\"incident-1\" class=\"incident-raised\">", inbox, StringComparison.Ordinal);
        Assert.Contains("raised by panel panel-1", inbox, StringComparison.Ordinal);
        Assert.Matches("href=\"/activity\\?from=[^\"]+&amp;to=[^\"]+\"", inbox);

        var acknowledged = await PostFrom(dsl, "/incidents/1", "/incidents/1/acknowledge");
        Assert.Contains("Incident #1 acknowledged.", acknowledged, StringComparison.Ordinal);
        Assert.Contains("acknowledged by dsl.jones", acknowledged, StringComparison.Ordinal);
        panel = await Panel();
        Assert.Equal(("acknowledged", "incident acknowledged by the DSL", "on 60 s", "on", "dsl.jones"),
            (panel.GetProperty("panic").GetString(), panel.GetProperty("meaning").GetString(), panel.GetProperty("patterns").GetProperty("red").GetString(),
             panel.GetProperty("patterns").GetProperty("ring").GetString(), panel.GetProperty("incident").GetProperty("stateBy").GetString()));
        Assert.True(panel.GetProperty("leds").GetProperty("ring").GetBoolean());
        Assert.Contains("cannot be acknowledged", await PostFrom(dsl, "/incidents/1", "/incidents/1/acknowledge"), StringComparison.Ordinal);

        // The evidence is sealed just after the raise; its download is the file whose digest the store recorded.
        await Eventually.True(async () => (await dsl.GetFromJsonAsync<JsonElement>("/api/incidents/1")).TryGetProperty("evidenceSha256", out _), TimeSpan.FromSeconds(15),
            () => "the evidence was never sealed");
        var recorded = (await dsl.GetFromJsonAsync<JsonElement>("/api/incidents/1")).GetProperty("evidenceSha256").GetString()!;
        Assert.Contains($"<dd id=\"evidence-sha256\">{recorded}</dd>", await dsl.GetStringAsync("/incidents/1"), StringComparison.Ordinal);
        var download = await dsl.GetAsync("/incidents/1/evidence");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var bytes = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(recorded, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal($"sha-256=:{Convert.ToBase64String(SHA256.HashData(bytes))}:", download.Headers.GetValues("Repr-Digest").Single());
        Assert.Contains("\"kind\": \"incident-evidence\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);

        // Through the API: a form is refused (415), a JSON close with a note is stored.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await dsl.PostAsync("/api/incidents/1/close", WebSession.Form(("note", "x")))).StatusCode);
        var closed = await dsl.PostAsync("/api/incidents/1/close", JsonContent.Create(new { note = "Spoke to the teacher; handled." }));
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        var closedJson = await closed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("closed", "dsl.jones", "Spoke to the teacher; handled."), (closedJson.GetProperty("state").GetString(), closedJson.GetProperty("stateBy").GetString(),
            closedJson.GetProperty("notes")[0].GetProperty("text").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await dsl.PostAsync("/api/incidents/1/close", JsonContent.Create(new { }))).StatusCode);
        Assert.Contains("at most 500", await PostFrom(dsl, "/incidents/1", "/incidents/1/note", ("note", new string('x', 501))), StringComparison.Ordinal);
        Assert.Contains("Spoke to the teacher; handled.", await dsl.GetStringAsync("/incidents/1"), StringComparison.Ordinal);

        // A changed byte: the download is refused and says so.
        await File.AppendAllTextAsync(Path.Combine(Appliance.DataDir, "evidence", "incident-1.json"), " ");
        var refused = await dsl.GetAsync("/incidents/1/evidence");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("does NOT match the digest recorded", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // What is stored: each change and each look at the evidence, under the account that made it.
        var audit = Audit();
        Assert.Equal(
            ["teacher.t panel.virtual-press", "panel panel-1 incident.raised", "dsl.jones incident.acknowledged", "dsl.jones incident.evidence-downloaded",
             "dsl.jones incident.closed", "dsl.jones incident.note", "dsl.jones incident.evidence-refused"],
            audit.Where(a => a != "dsl.jones incident.viewed" && !a.StartsWith("system ", StringComparison.Ordinal)));
        Assert.Contains("dsl.jones incident.viewed", audit);
    }

    // The audit log as "actor action", in order (read beside the running appliance: WAL lets a reader in).
    private List<string> Audit()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(Appliance.DataDir, "audit.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT actor, action FROM audit WHERE action LIKE 'incident.%' OR action LIKE 'panel.%' ORDER BY seq";
        using var reader = command.ExecuteReader();
        var entries = new List<string>();
        while (reader.Read())
        {
            entries.Add($"{reader.GetString(0)} {reader.GetString(1)}");
        }

        return entries;
    }

    private async Task<JsonElement> Panel()
    {
        using var http = new HttpClient();
        return await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{Appliance.WebPort}/api/panel");
    }

    // Fetches the page the form is on for its anti-forgery token (and cookie), as a browser would, then posts the form.
    private static async Task<string> PostFrom(HttpClient browser, string page, string action, params (string Name, string Value)[] fields)
    {
        var token = WebSession.TokenRegex().Match(await browser.GetStringAsync(page)).Groups[1].Value;
        var response = await browser.PostAsync(action, WebSession.Form([.. fields, ("__af", token)]));
        return await response.Content.ReadAsStringAsync();
    }
}
