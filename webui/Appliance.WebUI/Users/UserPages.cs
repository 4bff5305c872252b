using System.Globalization;
using Appliance.Radius.Certificates;
using Appliance.Radius.Users;
using Appliance.WebUI.Pages;

namespace Appliance.WebUI.Users;

/// <summary>What a Wi-Fi page shows when the settings leave RADIUS off.</summary>
public sealed record WifiOffPage(PageFrame Frame);

/// <summary>A message after a change: done (role="status") or refused (role="alert"), and a password to show once.</summary>
public sealed record Outcome(string Text, bool IsError, string? Password = null, string? PasswordFor = null)
{
    public static Outcome Done(string text) => new(text, false);

    public static Outcome Refused(string text) => new(text, true);
}

/// <summary>The technician's search over users, as the page's form and links carry it.</summary>
/// <param name="Search">Part of the user, first or last name.</param>
/// <param name="Kind">staff, pupil or guest; empty for all.</param>
/// <param name="Group">The policy group; empty for all.</param>
/// <param name="Year">A year group; empty for all.</param>
/// <param name="State">enabled, disabled or empty for both.</param>
/// <param name="Offset">Where the page starts.</param>
public sealed record UserFilter(string? Search, string? Kind, string? Group, string? Year, string? State, int Offset = 0)
{
    public const int PageSize = 50;

    /// <summary>The store's query, or the field that is wrong.</summary>
    public (UserQuery? Query, string? Problem) ToQuery()
    {
        UserKind? kind = null;
        if (!string.IsNullOrWhiteSpace(Kind))
        {
            if (!UserKinds.TryParse(Kind.Trim(), out var parsed))
            {
                return (null, $"Kind: '{Kind}' is not staff, pupil or guest.");
            }

            kind = parsed;
        }

        if (!TryParseYear(Year, out var year))
        {
            return (null, YearProblem(Year));
        }

        bool? enabled;
        switch (State?.Trim().ToLowerInvariant())
        {
            case null or "" or "any":
                enabled = null;
                break;
            case "enabled" or "disabled":
                enabled = State.Trim().Equals("enabled", StringComparison.OrdinalIgnoreCase);
                break;
            default:
                return (null, $"State: '{State}' is not enabled or disabled.");
        }

        return (new UserQuery
        {
            Search = string.IsNullOrWhiteSpace(Search) ? null : Search,
            Kind = kind,
            Group = string.IsNullOrWhiteSpace(Group) ? null : Group.Trim(),
            YearGroup = year,
            Enabled = enabled,
            Offset = Math.Max(0, Offset),
            Limit = PageSize,
        }, null);
    }

    /// <summary>A year group as typed (empty for none); false when it is not a number.</summary>
    public static bool TryParseYear(string? text, out int? year)
    {
        year = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var ok = int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed);
        year = ok ? parsed : null;
        return ok;
    }

    public static string YearProblem(string? text) => $"Year: '{text}' is not a year group (0 for Reception, 1 to 14).";

    /// <summary>The query string of this filter at another offset (for the next and previous page links).</summary>
    public string Link(int offset) => "/users?" + string.Join('&', new[]
        {
            ("search", Search), ("kind", Kind), ("group", Group), ("year", Year), ("state", State),
            ("offset", offset.ToString(CultureInfo.InvariantCulture)),
        }
        .Where(p => !string.IsNullOrEmpty(p.Item2))
        .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
}

/// <summary>The technician's Users page: the search, one page of results, the add form, and the outcome of the last change.</summary>
public sealed record UsersPage(PageFrame Frame, UserFilter Filter, UserPage Result, Outcome? Outcome);

/// <summary>
/// The import page at each step: the upload form; the dry run's report (with a confirmation token when there is
/// something to apply and no bad line); or the applied import's report with the one-time passwords download.
/// </summary>
public sealed record ImportPage(PageFrame Frame, string? FileName, ImportReport? Report, string? ConfirmToken, string? PasswordsToken, Outcome? Outcome);

/// <summary>The Guests page: the guests this person may see (a technician all, others their own) and the form for a new one.</summary>
public sealed record GuestsPage(PageFrame Frame, IReadOnlyList<UserRecord> Guests, bool IsTechnician, Outcome? Outcome);

/// <summary>A printable guest voucher, with the password shown this once.</summary>
public sealed record VoucherPage(PageFrame Frame, UserRecord Guest, string Password, JoiningFacts Joining);

/// <summary>How to join the network: its name, the certificate to check (null while RADIUS has not started) and the steps per platform.</summary>
public sealed record JoiningFacts(string Ssid, CertificateTrustInfo? Certificate, IReadOnlyList<PlatformInstructions> Platforms, bool HasAuthority)
{
    public static JoiningFacts From(IWifiService wifi) => wifi.Certificate is { } trust
        ? new(wifi.Ssid, trust, JoiningInstructions.For(trust, wifi.Ssid), trust.Authority is not null)
        : new(wifi.Ssid, null, [], false);
}

/// <summary>The Wi-Fi joining page for everyone signed in.</summary>
public sealed record WifiPage(PageFrame Frame, JoiningFacts Joining);
