using Appliance.WebUI.Accounts;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.BrowserTests;

/// <summary>
/// A search that finds a block produced by a real dig query (issue 8): a pupil's address asks for a name on the adult
/// list; the DSL fills the /activity search form (the name, blocked only) and sees the blocked row, then follows its
/// timeline link and sees that event marked.
/// </summary>
public sealed class ActivitySearchTests(ScenarioAppliance box) : IClassFixture<ScenarioAppliance>
{
    [Fact]
    public async Task The_DSL_finds_a_blocked_dig_query_by_name_and_opens_its_timeline_with_the_event_marked()
    {
        Assert.Contains("(blocked: pornography)", await box.DigAsync(ScenarioAppliance.BlockedName), StringComparison.Ordinal);

        var dsl = await box.PageAsAsync(WebRole.Dsl);
        await dsl.GotoAsync("/activity");
        var search = dsl.Locator("form").Filter(new() { Has = dsl.GetByRole(AriaRole.Button, new() { Name = "Search" }) });
        await search.GetByLabel("Name", new() { Exact = true }).FillAsync("adult-example.test");
        await search.GetByLabel("Name matches").SelectOptionAsync("domain");
        await search.GetByLabel("Blocked only").CheckAsync();
        await search.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();

        // The journal is written a moment after the answer: the row is either there or added by the page's live script.
        var row = dsl.Locator("table.activity tbody tr").Filter(new() { HasText = ScenarioAppliance.BlockedName });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("pornography");
        await Expect(row).ToContainTextAsync("127.0.0.1");
        Assert.Contains("name=adult-example.test", dsl.Url, StringComparison.Ordinal);
        Assert.Contains("blocked=on", dsl.Url, StringComparison.Ordinal);

        // As served (after a reload if the live script added it), the row links to its timeline.
        await dsl.ReloadAsync();
        await Expect(row).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bblocked\b"));
        PageChecks.AssertNone([await PageChecks.AuditAsync(dsl, "dsl", "activity search for a blocked name")]);
        await row.GetByRole(AriaRole.Link).ClickAsync();

        await BrowserAppliance.ExpectHeadingAsync(dsl, "Timeline");
        var marked = dsl.Locator("tr[aria-current='true']");
        await Expect(marked).ToHaveCountAsync(1);
        await Expect(marked).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bblocked\b.*\bmoment\b"));
        await Expect(marked).ToContainTextAsync(ScenarioAppliance.BlockedName);
        PageChecks.AssertNone([await PageChecks.AuditAsync(dsl, "dsl", "timeline around a blocked query")]);
    }
}
