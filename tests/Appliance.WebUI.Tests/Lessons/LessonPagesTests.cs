using System.Net;
using Appliance.Lessons.Plans;
using Appliance.WebUI.Lessons;

namespace Appliance.WebUI.Tests.Lessons;

/// <summary>The lesson pages over real HTTP in this process (<see cref="LessonWebHost"/>): forms as a browser posts them.</summary>
public sealed class LessonPagesTests : IAsyncLifetime
{
    private LessonWebHost _host = null!;

    public async Task InitializeAsync() => _host = await LessonWebHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static (string, string)[] Lesson(string title = "Volcanoes", params string[] urls) =>
    [
        ("title", title), ("group", "pupils"), ("room", ""), ("date", "2026-12-01"), ("start", "09:00"), ("end", "10:00"), ("until", ""),
        .. urls.SelectMany(u => new[] { ("url", u), ("note", "for " + title) }),
        ("url", ""), ("note", ""),   // a blank row, as the form sends it
    ];

    private static async Task<(HttpStatusCode Status, string Html)> Read(Task<HttpResponseMessage> response)
    {
        using var answer = await response;
        return (answer.StatusCode, await answer.Content.ReadAsStringAsync());
    }

    private async Task<LessonPlan> CreateAsync(LessonWebHost.Session teacher, string title, params string[] urls)
    {
        var (status, html) = await Read(teacher.PostFormAsync("/lessons/new", "/lessons/new", Lesson(title, urls)));
        Assert.True(status == HttpStatusCode.OK, html);
        return _host.Planner.Store.List().Single(p => p.Title == title);
    }

    [Fact]
    public async Task A_teacher_plans_a_lesson_allowed_site_goes_in_blocked_category_waits_statutory_is_refused_with_the_words()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        Assert.Contains("href=\"/lessons\"", await teacher.Http.GetStringAsync("/"), StringComparison.Ordinal);   // in the menu

        var (status, html) = await Read(teacher.PostFormAsync("/lessons/new", "/lessons/new",
            Lesson("Volcanoes", LessonWebHost.AllowedSite, LessonWebHost.BlockedSite, LessonWebHost.StatutorySite)));

        Assert.Equal(HttpStatusCode.OK, status);
        var plan = Assert.Single(_host.Planner.Store.List());
        Assert.Equal(("ms.teach", "pupils"), (plan.Teacher, plan.Group));
        Assert.Equal([SiteStatus.Allowed, SiteStatus.Pending, SiteStatus.Refused], plan.Sites.Select(s => s.Status));
        Assert.Contains($"Lesson #{plan.Id} saved: 1 site allowed, 1 site waiting for a DSL&#x27;s or technician&#x27;s approval, 1 site refused", html, StringComparison.Ordinal);
        Assert.Contains("in a category the class blocks (games)", html, StringComparison.Ordinal);
        Assert.Contains("on a locked statutory list: it can never be opened, by anyone", html, StringComparison.Ordinal);
        Assert.Contains("HTTPS sites cannot be cached transparently without intercepting encrypted traffic, which this box does not do", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"http://lessons.school.test/{plan.Id}/\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("/decision\"", html, StringComparison.Ordinal);   // a teacher decides nothing
        _host.Desk.MirrorAsPath = true;
        Assert.Contains($"href=\"{_host.BaseAddress}mirror/{plan.Id}/\"", await teacher.Http.GetStringAsync($"/lessons/{plan.Id}"), StringComparison.Ordinal);
        Assert.Contains("it is opened for the class\n     and fetched only once one of them approves it", html, StringComparison.Ordinal);

        var list = await teacher.Http.GetStringAsync("/lessons");
        Assert.Contains("1 usable, 1 waiting for approval, 1 refused or rejected", list, StringComparison.Ordinal);
        Assert.Contains("Tue 1 Dec 2026 09:00–10:00", WebUtility.HtmlDecode(list), StringComparison.Ordinal);
        Assert.DoesNotContain("Sites waiting for approval", list, StringComparison.Ordinal);
        Assert.Equal("lesson.create", _host.Audit.Last("lesson.create")?.Action);
    }

    [Fact]
    public async Task Errors_are_shown_per_field_linked_from_a_summary_with_what_was_typed_kept()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var (status, html) = await Read(teacher.PostFormAsync("/lessons/new", "/lessons/new",
            ("title", ""), ("group", "pupils"), ("room", "10.20.300.0/24"), ("date", "next tuesday"), ("start", "09:00"), ("end", "10:00"),
            ("url", LessonWebHost.AllowedSite), ("note", "fine"), ("url", ""), ("note", ""), ("url", "www.no-scheme.example"), ("note", "typed <here>")));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Empty(_host.Planner.Store.List());
        Assert.Contains("id=\"error-summary\"", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"#title\">Title: a lesson needs a title</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"#date\">Date: &#x27;next tuesday&#x27; is not a date such as 2026-12-01</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"#room\">Room:", html, StringComparison.Ordinal);
        // The third row (index 2) is named, not the second site of the draft: the blank row keeps its place.
        Assert.Contains("<a href=\"#site-2-url\">Site 3: address: &#x27;www.no-scheme.example&#x27; is not a web address", html, StringComparison.Ordinal);
        Assert.Contains("id=\"site-2-url\" name=\"url\" value=\"www.no-scheme.example\"", html, StringComparison.Ordinal);
        Assert.Contains("aria-invalid=\"true\" aria-describedby=\"site-2-url-error\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"typed &lt;here&gt;\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"next tuesday\"", html, StringComparison.Ordinal);
        Assert.Contains("<option value=\"pupils\" selected=\"selected\">", html, StringComparison.Ordinal);

        // Dates that read but break the rules come from the planner, named the same way.
        (status, html) = await Read(teacher.PostFormAsync("/lessons/new", "/lessons/new",
            ("title", "Past"), ("group", "pupils"), ("date", "2026-11-20"), ("start", "10:00"), ("end", "09:00"), ("url", LessonWebHost.AllowedSite), ("note", "")));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("<a href=\"#end\">Ends: the lesson must end after it starts</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"#date\">Date: the lesson is in the past</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_teacher_cannot_see_another_teachers_lesson_it_is_not_found()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var plan = await CreateAsync(teacher, "Volcanoes", LessonWebHost.AllowedSite);
        using var other = await _host.SignInAsync("mr.other");

        var (status, html) = await Read(other.Http.GetAsync($"/lessons/{plan.Id}"));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains($"There is no lesson #{plan.Id} that you can see.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Volcanoes", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Http.GetAsync($"/lessons/{plan.Id}/edit")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostFormAsync("/lessons", $"/lessons/{plan.Id}/delete")).StatusCode);
        Assert.DoesNotContain("Volcanoes", await other.Http.GetStringAsync("/lessons"), StringComparison.Ordinal);
        Assert.NotNull(_host.Planner.Store.Get(plan.Id));
    }

    [Fact]
    public async Task The_head_reads_every_lesson_but_changes_none()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var plan = await CreateAsync(teacher, "Volcanoes", LessonWebHost.AllowedSite, LessonWebHost.BlockedSite);
        using var head = await _host.SignInAsync("head");

        var page = await head.Http.GetStringAsync($"/lessons/{plan.Id}");
        Assert.Contains("<h1>Volcanoes</h1>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Change the lesson", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Fetch now", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Plan a lesson", await head.Http.GetStringAsync("/lessons"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await head.Http.GetAsync("/lessons/new")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await head.Http.GetAsync($"/lessons/{plan.Id}/edit")).StatusCode);
        var (status, html) = await Read(head.PostFormAsync($"/lessons/{plan.Id}", $"/lessons/{plan.Id}/delete"));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("can be changed by its teacher, a DSL or a technician", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await head.PostFormAsync($"/lessons/{plan.Id}", $"/lessons/{plan.Id}/fetch")).StatusCode);
        Assert.Empty(_host.Desk.Started);
        Assert.NotNull(_host.Planner.Store.Get(plan.Id));
    }

    [Fact]
    public async Task A_dsl_approves_with_a_reason_from_the_waiting_list_it_is_audited_and_the_teacher_sees_approved()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var plan = await CreateAsync(teacher, "Volcanoes", LessonWebHost.AllowedSite, LessonWebHost.BlockedSite);
        var pending = plan.Sites[1];
        using var dsl = await _host.SignInAsync("dsl");
        Assert.Contains("<a href=\"/lessons#waiting\">1 lesson site waits for approval</a>", await dsl.Http.GetStringAsync("/"), StringComparison.Ordinal);
        Assert.DoesNotContain("lessons-waiting", await teacher.Http.GetStringAsync("/"), StringComparison.Ordinal);

        var list = await dsl.Http.GetStringAsync("/lessons");
        Assert.Contains("Sites waiting for approval", list, StringComparison.Ordinal);
        Assert.Contains($"action=\"/lessons/{plan.Id}/sites/{pending.Id}/decision\"", list, StringComparison.Ordinal);
        Assert.Contains("Record the decision on www.arcade.example", list, StringComparison.Ordinal);
        Assert.DoesNotContain("checked", list, StringComparison.Ordinal);   // neither approve nor reject is chosen in advance

        var (status, html) = await Read(dsl.PostFormAsync("/lessons", $"/lessons/{plan.Id}/sites/{pending.Id}/decision",
            ("from", "list"), ("reason", "Lava simulation used in the lesson"), ("decision", "approve")));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"{LessonWebHost.BlockedSite} approved", html, StringComparison.Ordinal);
        Assert.Contains("None: no site of an upcoming lesson waits for a decision.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("lessons-waiting", await dsl.Http.GetStringAsync("/"), StringComparison.Ordinal);

        var entry = _host.Audit.Last("lesson.site.approve");
        Assert.NotNull(entry);
        Assert.Equal(("dsl", plan.Key), (entry.Actor, entry.Subject));
        Assert.Contains("Lava simulation used in the lesson", entry.Detail, StringComparison.Ordinal);

        var page = await teacher.Http.GetStringAsync($"/lessons/{plan.Id}");
        Assert.Contains("<td class=\"status\">Approved</td>", page, StringComparison.Ordinal);
        Assert.Contains("Approved by dsl, Wed 25 Nov 2026 10:00: Lava simulation used in the lesson", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dsl_rejects_with_a_reason_and_a_decision_without_one_is_refused()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var plan = await CreateAsync(teacher, "Volcanoes", LessonWebHost.BlockedSite);
        var site = plan.Sites[0];
        using var dsl = await _host.SignInAsync("dsl.two");

        var (status, html) = await Read(dsl.PostFormAsync($"/lessons/{plan.Id}", $"/lessons/{plan.Id}/sites/{site.Id}/decision", ("reason", "  "), ("decision", "approve")));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Say why the site is approved or rejected", html, StringComparison.Ordinal);
        Assert.Equal(SiteStatus.Pending, _host.Planner.Store.Get(plan.Id)!.Sites[0].Status);

        (status, html) = await Read(dsl.PostFormAsync($"/lessons/{plan.Id}", $"/lessons/{plan.Id}/sites/{site.Id}/decision", ("reason", "Not suitable")));
        Assert.Equal(HttpStatusCode.BadRequest, status);   // no choice made: neither approved nor rejected
        Assert.Contains("Decision: choose approve or reject.", html, StringComparison.Ordinal);
        Assert.Equal(SiteStatus.Pending, _host.Planner.Store.Get(plan.Id)!.Sites[0].Status);

        (status, html) = await Read(dsl.PostFormAsync($"/lessons/{plan.Id}", $"/lessons/{plan.Id}/sites/{site.Id}/decision", ("reason", "Not suitable"), ("decision", "reject")));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<td class=\"status\">Rejected</td>", html, StringComparison.Ordinal);
        Assert.Equal(SiteStatus.Rejected, _host.Planner.Store.Get(plan.Id)!.Sites[0].Status);
        Assert.Contains("Not suitable", _host.Audit.Last("lesson.site.reject")!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dsl_cannot_decide_a_site_of_their_own_lesson()
    {
        using var dsl = await _host.SignInAsync("dsl");
        var plan = await CreateAsync(dsl, "Assembly", LessonWebHost.BlockedSite);

        var list = await dsl.Http.GetStringAsync("/lessons");
        Assert.Contains("This is your own lesson: another DSL or technician must decide its sites.", list, StringComparison.Ordinal);
        Assert.DoesNotContain("/decision\"", list, StringComparison.Ordinal);

        var (status, html) = await Read(dsl.PostFormAsync("/lessons", $"/lessons/{plan.Id}/sites/{plan.Sites[0].Id}/decision", ("reason", "mine"), ("decision", "approve")));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("This is your own lesson", html, StringComparison.Ordinal);
        Assert.Equal(SiteStatus.Pending, _host.Planner.Store.Get(plan.Id)!.Sites[0].Status);
        Assert.Null(_host.Audit.Last("lesson.site.approve"));
    }

    [Fact]
    public async Task A_form_without_a_valid_token_is_refused_before_anything_is_read()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var missing = await teacher.Http.PostAsync("/lessons/new", LessonWebHost.Session.Form(Lesson("Forged", LessonWebHost.AllowedSite)));
        var wrong = await teacher.Http.PostAsync("/lessons/new", LessonWebHost.Session.Form([.. Lesson("Forged", LessonWebHost.AllowedSite), ("__af", "not-a-token")]));

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("did not come from this appliance's pages", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_host.Planner.Store.List());
    }

    [Fact]
    public async Task Editing_keeps_the_typed_rows_and_delete_asks_first_then_removes_and_audits()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var plan = await CreateAsync(teacher, "Volcanoes", LessonWebHost.AllowedSite);

        var form = await teacher.Http.GetStringAsync($"/lessons/{plan.Id}/edit");
        Assert.Contains($"action=\"/lessons/{plan.Id}/edit\"", form, StringComparison.Ordinal);
        Assert.Contains($"value=\"{LessonWebHost.AllowedSite}\"", form, StringComparison.Ordinal);
        Assert.Contains("id=\"site-9-url\"", form, StringComparison.Ordinal);   // ten rows at least
        var (status, html) = await Read(teacher.PostFormAsync($"/lessons/{plan.Id}/edit", $"/lessons/{plan.Id}/edit", Lesson("Volcanoes and lava", LessonWebHost.AllowedSite)));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("changed: 1 site allowed", html, StringComparison.Ordinal);
        Assert.Equal("Volcanoes and lava", _host.Planner.Store.Get(plan.Id)!.Title);

        var confirm = await teacher.Http.GetStringAsync($"/lessons/{plan.Id}/delete");
        Assert.Contains("Delete this lesson?", confirm, StringComparison.Ordinal);
        Assert.NotNull(_host.Planner.Store.Get(plan.Id));   // asking changes nothing
        (status, html) = await Read(teacher.PostFormAsync($"/lessons/{plan.Id}/delete", $"/lessons/{plan.Id}/delete"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"Lesson #{plan.Id} \u201cVolcanoes and lava\u201d deleted", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Null(_host.Planner.Store.Get(plan.Id));
        Assert.Equal("ms.teach", _host.Audit.Last("lesson.delete")?.Actor);
    }

    [Fact]
    public async Task The_lesson_page_shows_the_fetch_report_and_fetch_now_asks_the_desk()
    {
        using var teacher = await _host.SignInAsync("ms.teach");
        var plan = await CreateAsync(teacher, "Volcanoes", LessonWebHost.AllowedSite);
        _host.Desk.Report(plan.Id, new LessonFetchView(LessonWebHost.Now.AddMinutes(-5), LessonWebHost.Now.AddMinutes(-4), 2_500_000,
        [
            new LessonFetchLine(LessonWebHost.AllowedSite, "page", "fetched", 200, "text/html", 2_400_000, null),
            new LessonFetchLine("https://maps.example/huge.mp4", "asset", "failed", 200, "video/mp4", 0, "larger than the 50 MB limit per file"),
        ]));

        var page = await teacher.Http.GetStringAsync($"/lessons/{plan.Id}");
        Assert.Contains("Last fetch: Wed 25 Nov 2026 09:56: 1 of 2 pages and assets stored (2.5 MB), 1 failed.", page, StringComparison.Ordinal);
        Assert.Contains("larger than the 50 MB limit per file", page, StringComparison.Ordinal);
        Assert.Contains("Next automatic fetch: Thu 26 Nov 2026 06:00 (school time)", page, StringComparison.Ordinal);

        var (status, html) = await Read(teacher.PostFormAsync($"/lessons/{plan.Id}", $"/lessons/{plan.Id}/fetch"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Fetching now.", html, StringComparison.Ordinal);
        Assert.Equal([plan.Id], _host.Desk.Started);
        _host.Desk.Busy = true;
        Assert.Equal(HttpStatusCode.Conflict, (await teacher.PostFormAsync($"/lessons/{plan.Id}", $"/lessons/{plan.Id}/fetch")).StatusCode);
    }

    [Fact]
    public async Task Upcoming_lessons_come_soonest_first_and_those_that_are_over_are_folded_away_their_waiting_sites_forgotten()
    {
        using var dsl = await _host.SignInAsync("dsl");
        using var teacher = await _host.SignInAsync("ms.teach");
        var later = await CreateAsync(teacher, "Later", LessonWebHost.BlockedSite);
        Assert.Equal(HttpStatusCode.OK, (await teacher.PostFormAsync("/lessons/new", "/lessons/new",
            [.. Lesson("Sooner", LessonWebHost.BlockedSite).Where(f => f.Item1 != "date"), ("date", "2026-11-26")])).StatusCode);
        var upcoming = await teacher.Http.GetStringAsync("/lessons");
        Assert.True(upcoming.IndexOf(">Sooner<", StringComparison.Ordinal) < upcoming.IndexOf(">Later<", StringComparison.Ordinal), upcoming);
        Assert.DoesNotContain("id=\"past\"", upcoming, StringComparison.Ordinal);
        Assert.Contains("2 lesson sites wait for approval", await dsl.Http.GetStringAsync("/"), StringComparison.Ordinal);

        _host.Time.Advance(TimeSpan.FromDays(1.5));   // Thursday 26 November, 22:00: "Sooner" is over (and the sessions have expired)
        using var teacherAgain = await _host.SignInAsync("ms.teach");
        using var dslAgain = await _host.SignInAsync("dsl");
        var list = await teacherAgain.Http.GetStringAsync("/lessons");
        var past = list[list.IndexOf("<details id=\"past\">", StringComparison.Ordinal)..];
        Assert.Contains("Lessons that are over (1)", past, StringComparison.Ordinal);
        Assert.Contains(">Sooner<", past, StringComparison.Ordinal);
        Assert.DoesNotContain(">Later<", past, StringComparison.Ordinal);
        Assert.Contains("1 lesson site waits for approval", await dslAgain.Http.GetStringAsync("/"), StringComparison.Ordinal);
        Assert.Contains($"id=\"pending-{later.Sites[0].Id}\"", await dslAgain.Http.GetStringAsync("/lessons"), StringComparison.Ordinal);
    }
}
