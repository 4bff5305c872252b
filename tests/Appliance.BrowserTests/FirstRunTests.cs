using Appliance.WebUI.Accounts;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.BrowserTests;

/// <summary>
/// A new box in a real browser: no default credentials, the printed setup code makes the first technician (once), then
/// sign-out, sign-in and a wrong password. The first-run pages are checked with axe-core here, the only time /setup shows.
/// </summary>
public sealed class FirstRunTests(BrowserAppliance box) : IClassFixture<BrowserAppliance>
{
    private const string SessionCookie = "appliance.session";

    [Fact]
    public async Task Setup_code_makes_the_technician_once_then_sign_out_sign_in_and_a_wrong_password()
    {
        var page = await box.NewPageAsync();
        var password = BrowserAppliance.PasswordOf(WebRole.Technician);
        var problems = new List<string?>();

        // With no account, every page leads to /setup.
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(box.BaseUrl + "/setup");
        problems.Add(await PageChecks.AuditAsync(page, "anonymous", "setup"));

        // A code that is not the printed one is refused with a message, and nothing is made.
        await BrowserAppliance.SubmitSetupAsync(page, "AAAA-BBBB-CCCC", BrowserAppliance.TechnicianName, password);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not the one the appliance printed");
        problems.Add(await PageChecks.AuditAsync(page, "anonymous", "setup-wrong-code"));

        await BrowserAppliance.SubmitSetupAsync(page, box.SetupCode, BrowserAppliance.TechnicianName, password);
        await BrowserAppliance.ExpectHeadingAsync(page, "Dashboard");
        await Expect(page.GetByText($"{BrowserAppliance.TechnicianName} (technician)")).ToBeVisibleAsync();
        Assert.Contains(await page.Context.CookiesAsync(), c => c.Name == SessionCookie && c.HttpOnly && c.SameSite == SameSiteAttribute.Strict);

        // The code is spent: another browser is sent to sign in instead.
        var stranger = await box.NewPageAsync();
        await stranger.GotoAsync("/setup");
        await Expect(stranger).ToHaveURLAsync(box.BaseUrl + "/login");
        await BrowserAppliance.ExpectHeadingAsync(stranger, "Sign in");
        problems.Add(await PageChecks.AuditAsync(stranger, "anonymous", "login"));

        // Sign-out: the session cookie is gone and the dashboard leads to /login.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await BrowserAppliance.ExpectHeadingAsync(page, "Sign in");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == SessionCookie);
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login(\\?|$)"));
        await BrowserAppliance.ExpectHeadingAsync(page, "Sign in");

        // A wrong password: a message, no session.
        await BrowserAppliance.SubmitSignInAsync(page, BrowserAppliance.TechnicianName, "not-the-password-at-all");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That name and password do not match an account.");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == SessionCookie);
        problems.Add(await PageChecks.AuditAsync(page, "anonymous", "login-wrong-password"));

        // The right one signs in again.
        await BrowserAppliance.SubmitSignInAsync(page, BrowserAppliance.TechnicianName, password);
        await BrowserAppliance.ExpectHeadingAsync(page, "Dashboard");
        Assert.Contains(await page.Context.CookiesAsync(), c => c.Name == SessionCookie);

        PageChecks.AssertNone(problems);
    }
}
