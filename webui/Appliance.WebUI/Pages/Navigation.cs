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

    /// <summary>The query journal's search, live view and timelines: the DSL's tool; the technician's for faults.</summary>
    public static readonly NavEntry Activity = new("/activity", "Activity", [WebRole.Dsl, WebRole.Technician]);

    /// <summary>Everyone's own password and authenticator.</summary>
    public static readonly NavEntry MyAccount = new("/account", "My account", Everyone);

    /// <summary>The filtering policy: anyone who may propose a change (the two-person rule; approving needs DSL or head).</summary>
    public static readonly NavEntry Policy = new("/policy", "Policy", [WebRole.Technician, WebRole.Dsl, WebRole.Head]);

    /// <summary>
    /// Lesson plans and their sites (issue 9): teachers plan their own, the DSL and technician see all and approve sites in
    /// blocked categories, the head reads them all.
    /// </summary>
    public static readonly NavEntry Lessons = new("/lessons", "Lessons", [WebRole.Teacher, WebRole.Dsl, WebRole.Technician, WebRole.Head]);

    /// <summary>Wi-Fi (RADIUS) accounts of staff, pupils and guests: whoever runs the box.</summary>
    public static readonly NavEntry Users = new("/users", "Users", [WebRole.Technician]);

    /// <summary>Guests' Wi-Fi vouchers: the staff who sponsor visitors (a teacher sees only their own guests).</summary>
    public static readonly NavEntry Guests = new("/guests", "Guests", [WebRole.Technician, WebRole.Teacher, WebRole.Dsl, WebRole.Head]);

    /// <summary>How to join the Wi-Fi, the certificate's fingerprints and the profiles: for everyone.</summary>
    public static readonly NavEntry Wifi = new("/wifi", "Wi-Fi joining", Everyone);

    /// <summary>Panic-button incidents and alerts, their triage and evidence: the DSL's alone (KCSIE: the DSL leads on safeguarding).</summary>
    public static readonly NavEntry Incidents = new("/incidents", "Incidents", [WebRole.Dsl]);

    /// <summary>Blocks, changes, incidents by count and checks over a period: read-only, for the head, governors and the DSL.</summary>
    public static readonly NavEntry Reports = new("/reports", "Reports", [WebRole.Head, WebRole.Governor, WebRole.Dsl]);

    /// <summary>The effective settings with their sources; the upstreams and retention can be changed (DESIGN §2: the technician runs the box).</summary>
    public static readonly NavEntry Settings = new("/settings", "Settings", [WebRole.Technician]);

    /// <summary>The menu, in order.</summary>
    public static readonly IReadOnlyList<NavEntry> All = [Dashboard, Activity, Incidents, Reports, Policy, Lessons, Users, Guests, Wifi, Accounts, Settings, MyAccount];

    public static IEnumerable<NavEntry> For(WebRole role) => All.Where(e => e.Allows(role));
}
