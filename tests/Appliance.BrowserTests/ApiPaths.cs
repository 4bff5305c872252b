using Appliance.WebUI.Pages;

namespace Appliance.BrowserTests;

/// <summary>
/// Where a page's JSON API lives, for the role-matrix API test. The house rule (docs/webui.md) is the same data under
/// <c>/api/&lt;page path&gt;</c> with the same roles; the dashboard (path <c>/</c>) would be <c>/api/dashboard</c>.
/// An area whose API is elsewhere, or has more than one GET worth checking, adds its paths to <see cref="Extra"/>.
/// </summary>
public static class ApiPaths
{
    /// <summary>Further GET paths of an area's API, by the page's path (e.g. <c>["/accounts"] = ["/api/accounts/tokens"]</c>).</summary>
    private static readonly Dictionary<string, string[]> Extra = new(StringComparer.Ordinal);

    public static IEnumerable<string> For(NavEntry page) =>
        [page.Path == "/" ? "/api/dashboard" : "/api" + page.Path, .. Extra.GetValueOrDefault(page.Path, [])];
}
