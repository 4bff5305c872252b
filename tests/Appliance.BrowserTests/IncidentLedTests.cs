using Appliance.WebUI.Accounts;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.BrowserTests;

/// <summary>
/// Acknowledging an incident changes the virtual LED (issue 8): a teacher presses the dashboard's virtual panic button;
/// the panel shows the raised incident (red LED blinking); the DSL acknowledges it on /incidents; the teacher's page,
/// never reloaded, then shows the acknowledged look (red LED steady), put there by the live script /panel.js.
/// </summary>
public sealed class IncidentLedTests(ScenarioAppliance box) : IClassFixture<ScenarioAppliance>
{
    [Fact]
    public async Task The_DSLs_acknowledgement_turns_the_teachers_blinking_red_LED_steady_without_a_reload()
    {
        var teacher = await box.PageAsAsync(WebRole.Teacher);
        await teacher.GotoAsync("/");
        var red = teacher.Locator("#led-red");
        await Expect(teacher.Locator("#panel-incident")).ToHaveTextAsync("No incident has been raised on this box.");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Press the panic button" }).ClickAsync();

        await Expect(teacher.Locator("#panel-message")).ToContainTextAsync("Incident #1 is raised");
        await Expect(red.Locator(".led-pattern")).ToHaveTextAsync("blink 2 Hz");
        await Expect(red.Locator(".led-dot")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bled-blink\b"));
        await Expect(teacher.Locator("#panel-incident")).ToContainTextAsync("#1 raised");
        PageChecks.AssertNone([await PageChecks.AuditAsync(teacher, "teacher", "dashboard with a raised incident")]);

        // A mark that a reload would wipe: if it is still there at the end, the page was only changed by its script.
        await teacher.EvaluateAsync("() => { window.notReloaded = true; }");

        var dsl = await box.PageAsAsync(WebRole.Dsl);
        await dsl.GotoAsync("/incidents");
        await dsl.GetByRole(AriaRole.Link, new() { Name = "Incident #1: triage and evidence" }).ClickAsync();
        await BrowserAppliance.ExpectHeadingAsync(dsl, "Incident #1");
        await dsl.GetByRole(AriaRole.Button, new() { Name = "Acknowledge incident #1" }).ClickAsync();
        await Expect(dsl.Locator("#incident-message")).ToContainTextAsync("Incident #1 acknowledged.");
        PageChecks.AssertNone([await PageChecks.AuditAsync(dsl, "dsl", "incident acknowledged")]);

        await Expect(red.Locator(".led-pattern")).ToHaveTextAsync("on 60 s");
        await Expect(red.Locator(".led-dot")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bled-on\b"));
        await Expect(teacher.Locator("#panel-meaning strong")).ToHaveTextAsync("incident acknowledged by the DSL");
        await Expect(teacher.Locator("#panel-incident")).ToContainTextAsync($"#1 acknowledged at");   // the room and who acknowledged: the DSL's to see, not a teacher's
        await Expect(teacher.Locator("#panel-incident")).Not.ToContainTextAsync($"acknowledged by {BrowserAppliance.AccountName(WebRole.Dsl)}");
        Assert.True(await teacher.EvaluateAsync<bool>("() => window.notReloaded === true"), "the teacher's page was reloaded");
        PageChecks.AssertNone([await PageChecks.AuditAsync(teacher, "teacher", "dashboard after the acknowledgement")]);
    }
}
