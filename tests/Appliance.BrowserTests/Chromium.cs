using Microsoft.Playwright;

namespace Appliance.BrowserTests;

/// <summary>
/// Debian's Chromium (the <c>chromium</c> package, tools/install-test-deps.sh) launched by Playwright. Nothing is
/// downloaded: Playwright's own browser builds are never installed here, so the executable is named outright.
/// </summary>
public static class Chromium
{
    /// <summary>Debian's launcher script; <c>APPLIANCE_CHROMIUM</c> names another (a developer's own build).</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("APPLIANCE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>
    /// Headless; no sandbox (the tests and CI run as root, where Chromium's sandbox refuses to start); no GPU (there is
    /// none); no background traffic (component updates, safe browsing): the only network is loopback.
    /// </summary>
    public static readonly IReadOnlyList<string> Arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"];

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"no Chromium at {ExecutablePath}: run tools/install-test-deps.sh (Debian's chromium package)");
        }

        // The driver (Playwright's bundled node) must never try to fetch a browser of its own.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Arguments,
                Timeout = 120_000,   // a cold start on a loaded two-core machine
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
