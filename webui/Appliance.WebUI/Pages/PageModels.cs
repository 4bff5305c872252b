using Appliance.WebUI.Accounts;

namespace Appliance.WebUI.Pages;

/// <summary>What every page's frame shows: the title, who is signed in (if anyone), the form token, and the page's path (for the menu).</summary>
public sealed record PageFrame(string Title, WebAccount? Account, string AntiforgeryField, string AntiforgeryToken, string Path = "/");

/// <summary>The first-run page: the setup code creates the first technician.</summary>
public sealed record SetupPage(PageFrame Frame, string? Error);

public sealed record LoginPage(PageFrame Frame, string? Error, string? ReturnUrl);

/// <summary>The figures the dashboard shows, read from the running appliance (the host supplies them).</summary>
public sealed record DashboardFacts(
    string Version,
    string Status,
    long Queries,
    long Blocked,
    IReadOnlyList<(string Name, bool Healthy)> Upstreams,
    IReadOnlyList<(string Source, string Outcome, DateTimeOffset? LastGood)> Lists,
    string? FleetLink,
    long? FleetBacklog,
    string? Radius);

public sealed record DashboardPage(PageFrame Frame, DashboardFacts Facts, Incidents.PanelLedsModel? Panel = null);

/// <summary>The technician's list of web UI accounts, with the form that adds one.</summary>
public sealed record AccountsPage(PageFrame Frame, IReadOnlyList<WebAccount> Accounts, string? Message, bool IsError);

/// <summary>Where the dashboard's figures come from (the host implements it over its health report).</summary>
public interface IDashboardSource
{
    DashboardFacts Read();
}
