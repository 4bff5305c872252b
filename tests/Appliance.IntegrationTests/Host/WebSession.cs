using System.Net;
using System.Text.RegularExpressions;
using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// One person's browser session against the appliance's web UI over real HTTP: a cookie jar, forms posted with the
/// anti-forgery token of the page they came from (as a browser would), and the first technician made from the printed
/// setup code.
/// </summary>
public sealed partial class WebSession(ApplianceProcess appliance) : IDisposable
{
    public const string TechnicianPassword = "a-long-enough-password";

    public HttpClient Http { get; } = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{appliance.WebPort}"),
    };

    /// <summary>The setup code the appliance printed at start.</summary>
    public static string SetupCode(ApplianceProcess appliance) => SetupCodeRegex().Match(appliance.Output).Groups[1].Value;

    /// <summary>A session signed in as the first technician, made with the printed setup code.</summary>
    public static async Task<WebSession> TechnicianAsync(ApplianceProcess appliance, string name = "tech")
    {
        var session = new WebSession(appliance);
        var page = await session.PostAsync("/setup", ("code", SetupCode(appliance)), ("name", name), ("password", TechnicianPassword));
        Assert.Contains("<h1>Dashboard</h1>", page, StringComparison.Ordinal);
        return session;
    }

    /// <summary>The technician adds an account of <paramref name="role"/>; the returned session is signed in as it.</summary>
    public async Task<WebSession> AddAsync(ApplianceProcess appliance, string name, string role, string password)
    {
        Assert.Contains($"Added {name}", await PostAsync("/accounts", ("name", name), ("role", role), ("password", password)), StringComparison.Ordinal);
        var session = new WebSession(appliance);
        Assert.Contains("<h1>Dashboard</h1>", await session.PostAsync("/login", ("name", name), ("password", password)), StringComparison.Ordinal);
        return session;
    }

    /// <summary>Fetches the form's page for its token (and cookie), then posts the form; returns the answer's body.</summary>
    public async Task<string> PostAsync(string path, params (string Name, string Value)[] fields) =>
        await (await PostForResponseAsync(path, fields)).Content.ReadAsStringAsync();

    public async Task<HttpResponseMessage> PostForResponseAsync(string path, params (string Name, string Value)[] fields)
    {
        var token = await TokenAsync(PageOf(path));
        return await Http.PostAsync(path, Form([.. fields, ("__af", token)]));
    }

    /// <summary>The anti-forgery token of the page at <paramref name="page"/>.</summary>
    public async Task<string> TokenAsync(string page) => TokenRegex().Match(await Http.GetStringAsync(page)).Groups[1].Value;

    public static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    public void Dispose() => Http.Dispose();

    // The page a form is on: its own path for /setup and /login, the area's page for an action under it.
    private static string PageOf(string path) => path switch
    {
        "/logout" => "/",
        "/login/code" => "/login",
        _ when path.Count(c => c == '/') > 1 => path[..path.IndexOf('/', 1)],
        _ => path,
    };

    [GeneratedRegex("Web UI setup code: ([A-Z0-9-]+)")]
    private static partial Regex SetupCodeRegex();

    [GeneratedRegex("name=\"__af\" value=\"([^\"]+)\"")]
    public static partial Regex TokenRegex();
}
