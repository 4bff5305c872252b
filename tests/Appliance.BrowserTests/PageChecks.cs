using System.Text;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.BrowserTests;

/// <summary>What every page the tests open must pass: axe-core's rules, and a screenshot kept for a person to review.</summary>
public static class PageChecks
{
    /// <summary>
    /// Where the screenshots go: <c>TestResults/screenshots</c> beside the test assembly
    /// (tests/Appliance.BrowserTests/bin/&lt;configuration&gt;/net10.0/), or the folder <c>BROWSER_TESTS_SCREENSHOTS</c> names.
    /// </summary>
    public static string ScreenshotDirectory =>
        Environment.GetEnvironmentVariable("BROWSER_TESTS_SCREENSHOTS") is { Length: > 0 } folder
            ? folder
            : Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    /// <summary>The impacts that fail a page (axe-core's scale: minor, moderate, serious, critical).</summary>
    private static readonly string[] FailingImpacts = ["serious", "critical"];

    /// <summary>
    /// Runs axe-core on the page as it is now and saves a full-page screenshot as <c>&lt;who&gt;-&lt;name&gt;.png</c>;
    /// returns a description of every serious or critical violation (rule, impact, help, and each offending node), or
    /// null when there is none. The screenshot is taken first, so a failing page is there to look at.
    /// </summary>
    public static async Task<string?> AuditAsync(IPage page, string who, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, $"{Slug(who)}-{Slug(name)}.png"), FullPage = true });

        var result = await page.RunAxe();
        var failing = result.Violations.Where(v => FailingImpacts.Contains(v.Impact, StringComparer.OrdinalIgnoreCase)).ToList();
        if (failing.Count == 0)
        {
            return null;
        }

        var report = new StringBuilder().Append($"{who} on {page.Url}:");
        foreach (var violation in failing)
        {
            report.Append($"\n  [{violation.Impact}] {violation.Id}: {violation.Help} ({violation.HelpUrl})");
            foreach (var node in violation.Nodes)
            {
                // What axe-core found at the node: the failed checks' messages (any/all/none, as its own report lists them).
                var why = string.Join("; ", node.Any.Concat(node.All).Concat(node.None).Select(check => check.Message));
                report.Append($"\n    {node.Target} {node.Html}\n      {why}");
            }
        }

        return report.ToString();
    }

    /// <summary>
    /// Opens every page <paramref name="role"/> reaches (walked from <see cref="Navigation.For"/>), checks it answers 200
    /// and marks itself current in the menu, and audits it (<see cref="AuditAsync"/>) as <c>&lt;who&gt;-&lt;page title&gt;</c>;
    /// returns the problems found, one per page at most.
    /// </summary>
    public static async Task<List<string?>> AuditPagesOfAsync(IPage page, WebRole role, string who)
    {
        var problems = new List<string?>();
        foreach (var entry in Navigation.For(role))
        {
            var response = await page.GotoAsync(entry.Path);
            Assert.True(response?.Status == 200, $"{who} on {entry.Path}: {response?.Status}, expected 200");
            await Expect(page.Locator($"nav a[href='{entry.Path}']")).ToHaveAttributeAsync("aria-current", "page");
            problems.Add(await AuditAsync(page, who, entry.Title));
        }

        return problems;
    }

    /// <summary>Fails with every problem found, not just the first: one run shows all there is to fix.</summary>
    public static void AssertNone(IEnumerable<string?> problems)
    {
        var found = problems.OfType<string>().ToList();
        Assert.True(found.Count == 0, "serious or critical accessibility violations (axe-core):\n" + string.Join("\n", found));
    }

    /// <summary>A file-name part from a page title or role: lower case letters and digits, the rest dashes.</summary>
    public static string Slug(string text) =>
        string.Join('-', new string([.. text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : ' ')])
            .Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
