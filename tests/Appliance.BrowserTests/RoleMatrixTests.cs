using System.Web;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Appliance.BrowserTests;

/// <summary>
/// The role matrix in a real browser, walked from the web UI's own table (<see cref="Navigation"/>): a page added there is
/// covered here without a change. Each role's menu shows exactly its pages, each answers 200 and marks itself current,
/// every other page answers 403; not signed in, every page leads to /login.
/// </summary>
public sealed class RoleMatrixTests(BrowserAppliance box, ITestOutputHelper output) : IClassFixture<BrowserAppliance>
{
    public static TheoryData<WebRole> Roles => [.. Enum.GetValues<WebRole>()];

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Each_role_sees_and_reaches_exactly_its_pages_and_gets_403_on_the_others(WebRole role)
    {
        var page = await box.PageAsAsync(role);
        var errors = ConsoleErrors(page);

        await page.GotoAsync("/");
        var menu = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link);
        await Expect(menu).ToHaveCountAsync(Navigation.For(role).Count());
        var shown = new List<(string?, string)>();
        foreach (var link in await menu.AllAsync())
        {
            shown.Add((await link.GetAttributeAsync("href"), (await link.InnerTextAsync()).Trim()));
        }

        Assert.Equal(Navigation.For(role).Select(e => ((string?)e.Path, e.Title)), shown);

        foreach (var entry in Navigation.All)
        {
            if (entry.Allows(role))
            {
                var response = await page.GotoAsync(entry.Path);
                Assert.True(response?.Status == 200, $"{role} on {entry.Path}: {response?.Status}, expected 200");
                await Expect(page.Locator($"nav a[href='{entry.Path}']")).ToHaveAttributeAsync("aria-current", "page");
            }
            else
            {
                // Followed as a link: the 403 comes with a page that says why (not the browser's own error page).
                var response = await page.GotoAsync(entry.Path);
                Assert.True(response?.Status == 403, $"{role} on {entry.Path}: {response?.Status}, expected 403 (the page is for {string.Join(", ", entry.Roles)})");
                await Expect(page.Locator("h1")).ToHaveTextAsync("You do not have access to this page");
            }
        }

        // A blocked inline script or style (CSP is default-src 'self') or a script error shows up in the console.
        Assert.True(errors.Count == 0, $"console errors for {role}:\n" + string.Join("\n", errors));
    }

    [Fact]
    public async Task Not_signed_in_every_page_leads_to_sign_in_which_returns_there()
    {
        await box.PageAsAsync(WebRole.Technician);   // an account exists, so /login is shown rather than /setup
        var page = await box.NewPageAsync();
        foreach (var entry in Navigation.All)
        {
            await page.GotoAsync(entry.Path);
            await BrowserAppliance.ExpectHeadingAsync(page, "Sign in");
            var landed = new Uri(page.Url);
            Assert.Equal("/login", landed.AbsolutePath);
            Assert.Equal(entry.Path, HttpUtility.ParseQueryString(landed.Query)["ReturnUrl"]);
            await Expect(page.Locator("input[name='returnUrl']")).ToHaveValueAsync(entry.Path);
        }
    }

    /// <summary>
    /// The JSON API under the same matrix, where an area has one: <see cref="ApiPaths.For"/> derives each page's API
    /// path. An API answers 200 to the page's roles, 403 to every other role, 401 to no session. A path that no role
    /// reaches is not an API yet (the default-deny fallback answers 403 to any unknown path) and is reported, not failed.
    /// </summary>
    [Fact]
    public async Task Each_pages_api_answers_its_roles_and_403_to_the_others()
    {
        var sessions = new Dictionary<WebRole, IAPIRequestContext>();
        foreach (var role in Enum.GetValues<WebRole>())
        {
            sessions[role] = (await box.PageAsAsync(role)).Context.APIRequest;
        }

        var anonymous = (await box.NewPageAsync()).Context.APIRequest;
        var checkedApis = 0;
        foreach (var entry in Navigation.All)
        {
            foreach (var path in ApiPaths.For(entry))
            {
                var url = box.BaseUrl + path;
                var owner = await sessions[entry.Roles[0]].GetAsync(url, new() { MaxRedirects = 0 });
                if (owner.Status != 200)
                {
                    output.WriteLine($"no API at {path} for the page {entry.Path} yet ({entry.Roles[0]} gets {owner.Status})");
                    continue;
                }

                checkedApis++;
                foreach (var (role, session) in sessions)
                {
                    var status = (await session.GetAsync(url, new() { MaxRedirects = 0 })).Status;
                    Assert.True(status == (entry.Allows(role) ? 200 : 403), $"{role} on {path}: {status}");
                }

                Assert.Equal(401, (await anonymous.GetAsync(url, new() { MaxRedirects = 0 })).Status);
            }
        }

        output.WriteLine($"{checkedApis} API paths checked against every role");
    }

    /// <summary>
    /// Console errors and failed sub-resources (stylesheet, scripts, images, the icon) of the page from now on.
    /// </summary>
    private static List<string> ConsoleErrors(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            // "Failed to load resource" names the page, not the resource: the Response handler reports those with their URL.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                errors.Add($"{page.Url}: {message.Text}");
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && response.Request.ResourceType != "document")
            {
                errors.Add($"{page.Url}: {response.Request.ResourceType} {response.Url} answered {response.Status}");
            }
        };
        page.PageError += (_, error) => errors.Add($"{page.Url}: {error}");
        return errors;
    }
}
