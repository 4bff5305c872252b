using System.Net;
using System.Text.Json;
using Appliance.Lessons.Plans;

namespace Appliance.WebUI.Tests.Lessons;

/// <summary><c>/api/lessons</c> over real HTTP in this process, on cookie sessions (the pages' roles and rules).</summary>
public sealed class LessonApiTests : IAsyncLifetime
{
    private LessonWebHost _host = null!;

    public async Task InitializeAsync() => _host = await LessonWebHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Draft(string title, params string[] urls) => JsonSerializer.Serialize(new
    {
        title,
        group = "pupils",
        date = "2026-12-01",
        start = "09:00",
        end = "10:00",
        weekly = false,
        sites = urls.Select(u => new { url = u, note = "" }),
    });

    private static async Task<(HttpStatusCode Status, JsonElement Json)> Read(Task<HttpResponseMessage> response)
    {
        using var answer = await response;
        var text = await answer.Content.ReadAsStringAsync();
        Assert.Equal("application/json", answer.Content.Headers.ContentType?.MediaType);
        return (answer.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task A_draft_creates_a_lesson_with_each_site_classified_and_one_lesson_carries_its_fetch_report_and_mirror()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var (status, created) = await Read(teacher.SendJsonAsync(HttpMethod.Post, "/api/lessons",
            Draft("Volcanoes", LessonWebHost.AllowedSite, LessonWebHost.BlockedSite, LessonWebHost.SecuritySite)));

        Assert.Equal(HttpStatusCode.Created, status);
        var id = created.GetProperty("id").GetInt64();
        Assert.Equal(["allowed", "pending", "refused"], created.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("status").GetString()));
        Assert.Contains("security category (malware)", created.GetProperty("sites")[2].GetProperty("statusReason").GetString(), StringComparison.Ordinal);
        Assert.Equal("2026-12-01T09:00:00+00:00", created.GetProperty("nextStart").GetString());

        _host.Desk.Report(id, new Appliance.WebUI.Lessons.LessonFetchView(LessonWebHost.Now, LessonWebHost.Now, 10, [new(LessonWebHost.AllowedSite, "page", "fetched", 200, "text/html", 10, null)]));
        var (_, one) = await Read(teacher.Http.GetAsync($"/api/lessons/{id}"));
        Assert.Equal($"http://lessons.school.test/{id}/", one.GetProperty("mirrorUrl").GetString());
        Assert.Equal("fetched", one.GetProperty("lastFetch").GetProperty("lines")[0].GetProperty("outcome").GetString());
        Assert.True(one.TryGetProperty("nextFetch", out _));

        var (_, list) = await Read(teacher.Http.GetAsync("/api/lessons"));
        Assert.Equal([id], list.EnumerateArray().Select(l => l.GetProperty("id").GetInt64()));
        Assert.False(list[0].TryGetProperty("lastFetch", out _));   // the list leaves the reports out
    }

    [Fact]
    public async Task A_bad_draft_is_400_with_every_field_named_and_nothing_stored()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var (status, error) = await Read(teacher.SendJsonAsync(HttpMethod.Post, "/api/lessons",
            """{"title": "", "group": "nobody", "date": "2026-12-01", "start": "9 o'clock", "end": "10:00", "sites": [{"url": "https://ok.example/"}, {"url": "ftp://files.example/"}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var fields = error.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Equal(["start", "title", "group", "sites[1].url"], fields);
        Assert.Empty(_host.Planner.Store.List());

        Assert.Equal(HttpStatusCode.BadRequest, (await teacher.SendJsonAsync(HttpMethod.Post, "/api/lessons", "{\"title\": ")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await teacher.SendJsonAsync(HttpMethod.Post, "/api/lessons", "{\"colour\": \"red\"}")).StatusCode);
    }

    [Fact]
    public async Task A_form_to_the_api_on_a_session_is_415()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var form = await teacher.Http.PostAsync("/api/lessons", LessonWebHost.Session.Form(("title", "Forged"), ("date", "2026-12-01")));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Empty(_host.Planner.Store.List());
    }

    [Fact]
    public async Task Another_teachers_lesson_is_404_the_head_gets_403_on_changes_and_decisions_follow_the_rules()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var (_, created) = await Read(teacher.SendJsonAsync(HttpMethod.Post, "/api/lessons", Draft("Volcanoes", LessonWebHost.BlockedSite)));
        var id = created.GetProperty("id").GetInt64();
        var site = created.GetProperty("sites")[0].GetProperty("id").GetInt64();
        var decision = $"/api/lessons/{id}/sites/{site}/decision";

        using var other = await _host.SignInAsync("mr.other");
        Assert.Equal(HttpStatusCode.NotFound, (await other.Http.GetAsync($"/api/lessons/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.SendJsonAsync(HttpMethod.Put, $"/api/lessons/{id}", Draft("Mine now", LessonWebHost.AllowedSite))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Http.DeleteAsync($"/api/lessons/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.SendJsonAsync(HttpMethod.Post, decision, """{"approve": true, "reason": "x"}""")).StatusCode);
        Assert.Equal("[]", (await other.Http.GetStringAsync("/api/lessons")).Trim());

        using var head = await _host.SignInAsync("head");
        Assert.Equal(HttpStatusCode.OK, (await head.Http.GetAsync($"/api/lessons/{id}")).StatusCode);
        var (status, refused) = await Read(head.SendJsonAsync(HttpMethod.Put, $"/api/lessons/{id}", Draft("Changed", LessonWebHost.AllowedSite)));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("can be changed by its teacher, a DSL or a technician", refused.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await head.Http.DeleteAsync($"/api/lessons/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await head.SendJsonAsync(HttpMethod.Post, decision, """{"approve": true, "reason": "x"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await head.SendJsonAsync(HttpMethod.Post, $"/api/lessons/{id}/fetch", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.SendJsonAsync(HttpMethod.Post, decision, """{"approve": true, "reason": "my own"}""")).StatusCode);

        using var dsl = await _host.SignInAsync("dsl");
        (status, refused) = await Read(dsl.SendJsonAsync(HttpMethod.Post, decision, """{"approve": true}"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("reason", refused.GetProperty("errors")[0].GetProperty("field").GetString());
        var (ok, approved) = await Read(dsl.SendJsonAsync(HttpMethod.Post, decision, """{"approve": true, "reason": "Used in class"}"""));
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(("approved", "dsl", "Used in class"), (approved.GetProperty("sites")[0].GetProperty("status").GetString(),
            approved.GetProperty("sites")[0].GetProperty("decidedBy").GetString(), approved.GetProperty("sites")[0].GetProperty("decisionReason").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await dsl.SendJsonAsync(HttpMethod.Post, decision, """{"approve": false, "reason": "changed my mind"}""")).StatusCode);
        Assert.Equal(SiteStatus.Approved, _host.Planner.Store.Get(id)!.Sites[0].Status);
    }

    [Fact]
    public async Task Update_delete_and_fetch_now()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var (_, created) = await Read(teacher.SendJsonAsync(HttpMethod.Post, "/api/lessons", Draft("Volcanoes", LessonWebHost.AllowedSite)));
        var id = created.GetProperty("id").GetInt64();

        var (status, changed) = await Read(teacher.SendJsonAsync(HttpMethod.Put, $"/api/lessons/{id}", Draft("Volcanoes 2", LessonWebHost.AllowedSite, LessonWebHost.StatutorySite)));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["allowed", "refused"], changed.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("status").GetString()));

        var (accepted, started) = await Read(teacher.SendJsonAsync(HttpMethod.Post, $"/api/lessons/{id}/fetch", "{}"));
        Assert.Equal((HttpStatusCode.Accepted, true), (accepted, started.GetProperty("started").GetBoolean()));
        Assert.Equal([id], _host.Desk.Started);

        Assert.Equal(HttpStatusCode.NoContent, (await teacher.Http.DeleteAsync($"/api/lessons/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await teacher.Http.GetAsync($"/api/lessons/{id}")).StatusCode);
        Assert.Equal("lesson.delete", _host.Audit.Last("lesson.delete")?.Action);
    }
}
