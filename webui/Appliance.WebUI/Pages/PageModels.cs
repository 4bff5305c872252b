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
    string? Radius)
{
    /// <summary>Queries and blocks a second lately (the host measures them between readings); null where unknown.</summary>
    public Dashboard.Rates? Rates { get; init; }
}

public sealed record DashboardPage(PageFrame Frame, DashboardFacts Facts, Incidents.PanelLedsModel? Panel = null)
{
    /// <summary>For a DSL or technician with lessons on: how many sites of upcoming lessons wait for their decision.</summary>
    public int? LessonSitesWaiting { get; init; }
}

/// <summary>A line a page shows after an action: what was done, or what is wrong.</summary>
public sealed record Notice(string Text, bool IsError);

/// <summary>The technician's accounts and API tokens, with a token just made (shown this once).</summary>
public sealed record AccountsPage(PageFrame Frame, IReadOnlyList<AccountDetails> Accounts, IReadOnlyList<ApiTokenInfo> Tokens, Notice? Notice, string? NewToken);

/// <summary>Where the dashboard's figures come from (the host implements it over its health report).</summary>
public interface IDashboardSource
{
    DashboardFacts Read();
}

/// <summary>The second step of signing in, for an account with an authenticator code.</summary>
public sealed record LoginCodePage(PageFrame Frame, string? Error, string? ReturnUrl);

/// <summary>
/// The signed-in person's own account: password change and the authenticator. While one is being set up,
/// <see cref="NewSecret"/> is its key in base32 with its <c>otpauth://</c> URI and the protected form value carrying it.
/// </summary>
public sealed record MyAccountPage(PageFrame Frame, bool HasSecondFactor, Notice? Notice, SecondFactorSetup? NewSecret);

/// <summary>An authenticator key on offer: shown to type in, carried back protected (nothing is stored until a code proves it).</summary>
public sealed record SecondFactorSetup(string Base32, string Uri, string Protected);
