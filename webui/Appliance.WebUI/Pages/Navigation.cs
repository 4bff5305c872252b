using Appliance.WebUI.Accounts;

namespace Appliance.WebUI.Pages;

/// <summary>A page in the main menu and the roles that may open it (the same list guards its endpoints).</summary>
public sealed record NavEntry(string Path, string Title, IReadOnlyList<WebRole> Roles)
{
    public bool Allows(WebRole role) => Roles.Contains(role);
}

/// <summary>
/// The role matrix in one place (DESIGN §2, school-requirements.md §3): each page's endpoints require exactly the roles
/// listed here (<see cref="WebUi.RequireRoles{TBuilder}(TBuilder, IReadOnlyList{WebRole})"/>), the menu shows a user only
/// the pages of their role, and the browser tests walk this table to check every other page answers 403.
/// </summary>
public static class Navigation
{
    public static readonly IReadOnlyList<WebRole> Everyone = Enum.GetValues<WebRole>();

    public static readonly NavEntry Dashboard = new("/", "Dashboard", Everyone);

    /// <summary>Web UI accounts and API tokens: whoever runs the box.</summary>
    public static readonly NavEntry Accounts = new("/accounts", "Accounts", [WebRole.Technician]);

    /// <summary>Blocks, changes, incidents by count and checks over a period: read-only, for the head, governors and the DSL.</summary>
    public static readonly NavEntry Reports = new("/reports", "Reports", [WebRole.Head, WebRole.Governor, WebRole.Dsl]);

    /// <summary>The menu, in order.</summary>
    public static readonly IReadOnlyList<NavEntry> All = [Dashboard, Reports, Accounts];

    public static IEnumerable<NavEntry> For(WebRole role) => All.Where(e => e.Allows(role));
}
