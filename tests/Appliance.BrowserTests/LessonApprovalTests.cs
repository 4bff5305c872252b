using System.Globalization;
using Appliance.WebUI.Accounts;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.BrowserTests;

/// <summary>
/// Lesson sites end to end in the browser (issue 9): a teacher plans a lesson in the form with a site in no blocked
/// category and one in a category the pupils block; the first is allowed, the second waits; a DSL approves it with a
/// reason from the waiting list; the teacher's lesson page then shows it approved. axe-core checks the form, the
/// lesson page and the waiting list on the way.
/// </summary>
public sealed class LessonApprovalTests(ScenarioAppliance box) : IClassFixture<ScenarioAppliance>
{
    private const string AllowedSite = "https://maps.school-example.test/volcanoes";

    // In the pornography list, which the pupils block: a stand-in for a blocked category the lesson needs.
    private const string BlockedHost = "www.adult-example.test";

    [Fact]
    public async Task A_teachers_blocked_category_site_waits_until_a_dsl_approves_it_and_the_teacher_then_sees_it_approved()
    {
        // Ten days ahead: past the pre-fetch lead time (24 h by default), so nothing is fetched while the test runs.
        var day = DateTime.UtcNow.Date.AddDays(10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var teacher = await box.PageAsAsync(WebRole.Teacher);
        await teacher.GotoAsync("/lessons");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Plan a lesson" }).ClickAsync();
        await BrowserAppliance.ExpectHeadingAsync(teacher, "Plan a lesson");
        PageChecks.AssertNone([await PageChecks.AuditAsync(teacher, "teacher", "lesson form")]);

        var form = teacher.Locator("#lesson-form");
        await form.GetByLabel("Title").FillAsync("Volcanoes");
        await form.GetByLabel("Group").SelectOptionAsync("pupils");
        await form.GetByLabel("Date (the first, if weekly)").FillAsync(day);
        await form.GetByLabel("Starts").FillAsync("09:00");
        await form.GetByLabel("Ends").FillAsync("10:00");
        await form.GetByLabel("Site 1: address").FillAsync(AllowedSite);
        await form.GetByLabel("Site 1: note").FillAsync("The map we use");
        await form.GetByLabel("Site 2: address").FillAsync($"https://{BlockedHost}/lava");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save the lesson" }).ClickAsync();

        await BrowserAppliance.ExpectHeadingAsync(teacher, "Volcanoes");
        await Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync("1 site allowed, 1 site waiting for a DSL's or technician's approval");
        var sites = teacher.Locator("#sites tbody tr");
        await Expect(sites.Nth(0).Locator(".status")).ToHaveTextAsync("Allowed");
        await Expect(sites.Nth(1).Locator(".status")).ToHaveTextAsync("Waiting for approval");
        await Expect(teacher.Locator("#https-note")).ToContainTextAsync("HTTPS sites cannot be cached transparently without intercepting encrypted traffic");
        PageChecks.AssertNone([await PageChecks.AuditAsync(teacher, "teacher", "lesson")]);

        var dsl = await box.PageAsAsync(WebRole.Dsl);
        await dsl.GotoAsync("/");
        await dsl.GetByRole(AriaRole.Link, new() { Name = "1 lesson site waits for approval" }).ClickAsync();
        var waiting = dsl.Locator("#waiting .pending-site").Filter(new() { HasText = BlockedHost });
        await Expect(waiting).ToContainTextAsync("in a category the class blocks (pornography)");
        PageChecks.AssertNone([await PageChecks.AuditAsync(dsl, "dsl", "lessons waiting")]);
        await waiting.GetByLabel("Approve", new() { Exact = true }).CheckAsync();
        await waiting.GetByLabel("Reason (kept in the audit log)").FillAsync("Volcano footage hosted there, checked by me");
        await waiting.GetByRole(AriaRole.Button, new() { Name = $"Record the decision on {BlockedHost}" }).ClickAsync();
        await Expect(dsl.GetByRole(AriaRole.Status)).ToContainTextAsync("approved: it is open to the class in the lesson's time");
        await Expect(dsl.Locator("#waiting")).ToContainTextAsync("None: no site of an upcoming lesson waits for a decision.");

        // From the list, not a reload: the page after saving is the answer to the form's POST.
        await teacher.GotoAsync("/lessons");
        await teacher.Locator("#upcoming").GetByRole(AriaRole.Link, new() { Name = "Volcanoes", Exact = true }).ClickAsync();
        await BrowserAppliance.ExpectHeadingAsync(teacher, "Volcanoes");
        await Expect(sites.Nth(1).Locator(".status")).ToHaveTextAsync("Approved");
        await Expect(sites.Nth(1)).ToContainTextAsync($"Approved by {BrowserAppliance.AccountName(WebRole.Dsl)}");
        await Expect(sites.Nth(1)).ToContainTextAsync("Volcano footage hosted there, checked by me");
    }
}
