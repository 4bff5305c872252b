using System.Text.RegularExpressions;
using Appliance.IntegrationTests.Peers;
using Appliance.WebUI.Accounts;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

// One appliance and one Chromium at a time: the machine has two cores, and a starved browser makes flaky tests.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Appliance.BrowserTests;

/// <summary>
/// The class fixture of every browser test: one real appliance process (the local default, its own temporary data
/// directory and loopback ports, as <see cref="ApplianceProcess"/> starts it) and one headless Chromium, shared by the
/// tests of a class. Sessions are made as a person would make them: the technician through /setup with the printed
/// code, every other role through the technician's /accounts form and then /login.
/// </summary>
public partial class BrowserAppliance : IAsyncLifetime
{
    public const string TechnicianName = "tech";

    private readonly Dictionary<WebRole, IBrowserContext> _sessions = [];
    private readonly HashSet<WebRole> _accounts = [];
    private IPlaywright? _playwright;

    public ApplianceProcess Appliance { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl => $"http://127.0.0.1:{Appliance.WebPort}";

    /// <summary>The one-time code the appliance printed at start (it has no account yet).</summary>
    public string SetupCode => SetupCodeRegex().Match(Appliance.Output) is { Success: true } match
        ? match.Groups[1].Value
        : throw new InvalidOperationException("the appliance printed no setup code:\n" + Appliance.Output);

    public async Task InitializeAsync()
    {
        // Playwright's retrying assertions wait 5 s by default: too short when seven engineers share two cores.
        SetDefaultExpectTimeout(20_000);
        Appliance = await StartApplianceAsync();
        (_playwright, Browser) = await Chromium.LaunchAsync();
    }

    /// <summary>The appliance under test: the local default, with no configuration file.</summary>
    protected virtual Task<ApplianceProcess> StartApplianceAsync() => ApplianceProcess.StartAsync([]);

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        Appliance?.Dispose();
    }

    /// <summary>The account name the fixture gives a role (the technician is the one made at setup).</summary>
    public static string AccountName(WebRole role) => role == WebRole.Technician ? TechnicianName : WebRoles.Name(role) + ".browser";

    /// <summary>The password the fixture gives a role's account (long enough for the store's rule).</summary>
    public static string PasswordOf(WebRole role) => WebRoles.Name(role) + "-browser-password";

    /// <summary>A page in a new browser context: no cookies, not signed in.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        // Generous: the box is shared by several engineers' builds; Playwright waits only as long as it must.
        context.SetDefaultTimeout(30_000);
        context.SetDefaultNavigationTimeout(60_000);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// A new page signed in as <paramref name="role"/>. One session per role per class (each sign-in is a POST the
    /// appliance rate-limits to 10 a minute per address): the technician's is the one /setup made, the others sign in once.
    /// </summary>
    public async Task<IPage> PageAsAsync(WebRole role)
    {
        if (!_sessions.TryGetValue(role, out var session))
        {
            var page = role == WebRole.Technician ? await SetUpTechnicianAsync() : await SignInNewAsync(role);
            session = page.Context;
            _sessions[role] = session;
            return page;
        }

        return await session.NewPageAsync();
    }

    /// <summary>The technician's first-run setup through /setup with the printed code, in a new context; returns the dashboard.</summary>
    public async Task<IPage> SetUpTechnicianAsync()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/setup");
        await SubmitSetupAsync(page, SetupCode, TechnicianName, PasswordOf(WebRole.Technician));
        await ExpectHeadingAsync(page, "Dashboard");
        _sessions[WebRole.Technician] = page.Context;
        return page;
    }

    /// <summary>Makes the role's account (through the technician's /accounts form) and signs in as it in a new context.</summary>
    private async Task<IPage> SignInNewAsync(WebRole role)
    {
        if (_accounts.Add(role))   // once, even if a sign-in below failed and a later test asks again
        {
            var technician = await PageAsAsync(WebRole.Technician);
            await AddAccountAsync(technician, AccountName(role), role, PasswordOf(role));
            await technician.CloseAsync();
        }

        var page = await NewPageAsync();
        await SubmitSignInAsync(page, AccountName(role), PasswordOf(role));
        await ExpectHeadingAsync(page, "Dashboard");
        return page;
    }

    /// <summary>Adds a web UI account as the technician would, and waits for the page to confirm it.</summary>
    public static async Task AddAccountAsync(IPage technician, string name, WebRole role, string password)
    {
        await technician.GotoAsync("/accounts");
        var form = technician.Locator("form[action='/accounts']");
        await form.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await form.GetByLabel("Role").SelectOptionAsync(WebRoles.Name(role));
        await form.GetByLabel("First password").FillAsync(password);
        await form.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await Expect(technician.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Added {name} ({WebRoles.Name(role)}).");
    }

    /// <summary>Fills and sends the /setup form on <paramref name="page"/> (already open at /setup).</summary>
    public static async Task SubmitSetupAsync(IPage page, string code, string name, string password)
    {
        await page.GetByLabel("Setup code").FillAsync(code);
        await page.GetByLabel("Your name").FillAsync(name);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the technician account" }).ClickAsync();
    }

    /// <summary>Opens /login and sends the form; the caller checks where it landed.</summary>
    public static async Task SubmitSignInAsync(IPage page, string name, string password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>Waits (Playwright's retrying assertion) until the page's one h1 reads <paramref name="text"/>.</summary>
    public static Task ExpectHeadingAsync(IPage page, string text) =>
        Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(text);

    [GeneratedRegex("Web UI setup code: ([A-Z0-9-]+)")]
    private static partial Regex SetupCodeRegex();
}
