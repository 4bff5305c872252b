using System.Net;
using System.Text.RegularExpressions;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// The web UI's access rules over real HTTP against the appliance process (issue 8, begun): no default credentials — the
/// printed one-time setup code creates the first technician —, anti-forgery on forms, sign-in, lockout, sign-out,
/// security headers. (The browser tests with Chromium come with the pages.)
/// </summary>
public sealed partial class WebUiTests : WebUiTest
{
    [Fact]
    public async Task First_run_setup_code_creates_the_technician_once_then_sign_in_out_and_lockout()
    {
        using var browser = Browser();
        var code = SetupCodeRegex().Match(Appliance.Output).Groups[1].Value;
        Assert.NotEmpty(code);

        var home = await browser.GetAsync("/");
        Assert.Equal("/setup", home.RequestMessage!.RequestUri!.AbsolutePath);   // / → /login → /setup while no account exists
        Assert.Equal("DENY", home.Headers.GetValues("X-Frame-Options").Single());
        Assert.StartsWith("default-src 'self'", home.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        // A form without its anti-forgery token is refused, whatever it carries.
        var forged = await browser.PostAsync("/setup", Form(("code", code), ("name", "tech"), ("password", "a-long-enough-password")));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        var wrong = await Post(browser, "/setup", ("code", "AAAA-BBBB-CCCC"), ("name", "tech"), ("password", "a-long-enough-password"));
        Assert.Contains("not the one the appliance printed", wrong, StringComparison.Ordinal);

        var dashboard = await Post(browser, "/setup", ("code", code), ("name", "Tech"), ("password", "a-long-enough-password"));
        Assert.Contains("<h1>Dashboard</h1>", dashboard, StringComparison.Ordinal);
        Assert.Contains("tech (technician)", dashboard, StringComparison.Ordinal);

        // The code is spent: a second visitor cannot make another technician with it.
        using var stranger = Browser();
        Assert.Equal("/login", (await stranger.GetAsync("/setup")).RequestMessage!.RequestUri!.AbsolutePath);

        // Sign-out is a form like the others: without its token it is refused and the session stays.
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsync("/logout", Form())).StatusCode);
        Assert.Contains("<h1>Dashboard</h1>", await browser.GetStringAsync("/"), StringComparison.Ordinal);
        Assert.Contains("<h1>Sign in</h1>", await Post(browser, "/logout"), StringComparison.Ordinal);
        Assert.Equal("/login", (await browser.GetAsync("/")).RequestMessage!.RequestUri!.AbsolutePath);

        for (var i = 0; i < 4; i++)
        {
            Assert.Contains("do not match an account", await Post(stranger, "/login", ("name", "tech"), ("password", "guess-number-" + i)), StringComparison.Ordinal);
        }

        Assert.Contains("locked for 15 minutes", await Post(stranger, "/login", ("name", "tech"), ("password", "guess-number-5")), StringComparison.Ordinal);
        Assert.Contains("locked for 15 minutes", await Post(browser, "/login", ("name", "tech"), ("password", "a-long-enough-password")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_technician_adds_a_governor_who_reaches_the_dashboard_but_gets_403_on_the_technicians_pages()
    {
        using var technician = Browser();
        var code = SetupCodeRegex().Match(Appliance.Output).Groups[1].Value;
        await Post(technician, "/setup", ("code", code), ("name", "tech"), ("password", "a-long-enough-password"));

        var added = await Post(technician, "/accounts", ("name", "Governor.Smith"), ("role", "governor"), ("password", "governors-read-only"));
        Assert.Contains("Added governor.smith (governor).", added, StringComparison.Ordinal);
        Assert.Contains("<td>governor.smith</td><td>governor</td>", added, StringComparison.Ordinal);

        using var governor = Browser();
        var dashboard = await Post(governor, "/login", ("name", "governor.smith"), ("password", "governors-read-only"));
        Assert.Contains("<h1>Dashboard</h1>", dashboard, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/accounts\"", dashboard, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Forbidden, (await governor.GetAsync("/accounts")).StatusCode);
        var token = TokenRegex().Match(dashboard).Groups[1].Value;   // a valid form token of the governor's own session
        var post = await governor.PostAsync("/accounts", Form(("name", "mine"), ("role", "technician"), ("password", "a-long-enough-password"), ("__af", token)));
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.DoesNotContain("mine", await technician.GetStringAsync("/accounts"), StringComparison.Ordinal);

        using var anonymous = Browser();
        Assert.Equal("/login", (await anonymous.GetAsync("/accounts")).RequestMessage!.RequestUri!.AbsolutePath);

        // After sign-in only a local path is followed: another host, a tab-smuggled one or /logout lead to the dashboard.
        foreach (var (returnUrl, landing) in new[] { ("/accounts", "/accounts"), ("//evil.example/", "/"), ("/\\evil.example", "/"), ("/\t/evil.example", "/"), ("/logout", "/") })
        {
            using var again = Browser();
            var page = await again.GetStringAsync("/login");
            var response = await again.PostAsync("/login", Form(("name", "tech"), ("password", "a-long-enough-password"), ("returnUrl", returnUrl),
                ("__af", TokenRegex().Match(page).Groups[1].Value)));
            Assert.Equal(landing, response.RequestMessage!.RequestUri!.AbsolutePath);
            Assert.Equal("127.0.0.1", response.RequestMessage.RequestUri.Host);
        }
    }

    private HttpClient Browser() => new WebSession(Appliance).Http;

    private static async Task<string> Post(HttpClient browser, string path, params (string Name, string Value)[] fields)
    {
        var page = await browser.GetStringAsync(path == "/logout" ? "/" : path);
        var response = await browser.PostAsync(path, Form([.. fields, ("__af", TokenRegex().Match(page).Groups[1].Value)]));
        return await response.Content.ReadAsStringAsync();
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) => WebSession.Form(fields);

    private static Regex SetupCodeRegex() => new("Web UI setup code: ([A-Z0-9-]+)");

    private static Regex TokenRegex() => WebSession.TokenRegex();
}
