using System.Globalization;
using System.Text;
using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.Journal;
using Appliance.WebUI.Pages;

namespace Appliance.WebUI.Activity;

/// <summary>
/// One journal row as the DSL reads it (and as /api/activity sends it): names for the codes, and what the journal
/// holds shown honestly — a statutory-list hit as redacted (the journal only ever had a keyed hash of the name, which
/// nobody here can reverse), a pseudonymised pupil as their pseudonym.
/// </summary>
public sealed record ActivityRowView(
    long Id,
    string Time,
    string? User,
    string Device,
    string Group,
    string Name,
    string? RedactedList,
    string Type,
    string Source,
    bool Blocked,
    string Outcome,
    string Categories,
    string Timeline)
{
    /// <summary>Whether a user or device is a pseudonym (a group the journal pseudonymises, Pseudonyms.Of), not a name or an address.</summary>
    public static bool IsPseudonym(string? text) => text?.StartsWith("anon-", StringComparison.Ordinal) == true;

    /// <summary>What to show in the name column.</summary>
    public string NameText => RedactedList is { } list ? $"Redacted ({list} list hit)" : Name;

    /// <param name="row">The journal row.</param>
    /// <param name="subject">Whose timeline the row's link opens (default: its user when known, else its device).</param>
    public static ActivityRowView From(ActivityRow row, (string By, string Who)? subject = null)
    {
        var e = row.Entry;
        var blocked = ((QueryEventFlags)e.Flags & QueryEventFlags.Blocked) != 0;
        var enforced = ((QueryEventFlags)e.Flags & QueryEventFlags.NotEnforced) == 0;
        var outcome = (blocked ? (enforced ? "Blocked" : "Would block (monitor mode)") : "Allowed") + ": " + Reason((ReasonCode)e.Reason);
        var (by, who) = subject ?? (e.User is { } user ? ("user", user) : ("device", e.Client));
        return new ActivityRowView(row.Id, ActivityText.Time(e.At), e.User, e.Client, e.Group, e.Name, RedactedListOf(e.Name), TypeName(e.QueryType, e.Source),
            SourceName(e.Source), blocked, outcome, e.Categories == 0 ? "" : Appliance.Core.Lists.Categories.Describe(e.Categories),
            ActivityText.TimelineLink(by, who, e.At, row.Id));
    }

    // StatutoryRedaction's form: h-<24 hex>.<list>.statutory.invalid (RFC 6761 reserves .invalid).
    private static string? RedactedListOf(string name)
    {
        const string Suffix = ".statutory.invalid";
        if (!name.EndsWith(Suffix, StringComparison.Ordinal) || !name.StartsWith("h-", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = name[..^Suffix.Length];
        return rest[(rest.IndexOf('.', StringComparison.Ordinal) + 1)..];
    }

    /// <summary>"DnsBlockedCategory" → "blocked category": the reason code's name, for people.</summary>
    public static string Reason(ReasonCode reason)
    {
        var name = reason.ToString();
        name = name.StartsWith("Dns", StringComparison.Ordinal) ? name[3..] : name;
        var text = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    public static string SourceName(RequestSource source) => source switch
    {
        RequestSource.DnsUdp => "DNS",
        RequestSource.DnsTcp => "DNS (TCP)",
        RequestSource.TlsSni => "TLS SNI",
        RequestSource.HttpHost => "HTTP Host",
        RequestSource.QuicSni => "QUIC",
        _ => source.ToString(),
    };

    private static string TypeName(ushort type, RequestSource source) => source is not (RequestSource.DnsUdp or RequestSource.DnsTcp) ? "" : type switch
    {
        1 => "A",
        5 => "CNAME",
        12 => "PTR",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        64 => "SVCB",
        65 => "HTTPS",
        _ => "TYPE" + type.ToString(CultureInfo.InvariantCulture),   // RFC 3597's presentation of other types
    };
}

/// <summary>How the activity pages write times and links. Times are UTC, marked so on every page.</summary>
public static class ActivityText
{
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The value of a datetime-local field (UTC).</summary>
    public static string Field(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

    public static string TimelineLink(string by, string who, DateTimeOffset at, long id) =>
        $"{ActivityEndpoints.TimelinePath}?by={by}&who={Uri.EscapeDataString(who)}&at={Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))}&id={id}";
}

/// <summary>The search page: the form, a page of rows (newest first) and its paging links; live when it shows the newest.</summary>
public sealed record ActivitySearchPage(
    PageFrame Frame, ActivityRequest Request, IReadOnlyList<ActivityRowView> Rows, string? OlderLink, string? NewerLink, string? SearchedBackTo,
    string? Error, bool Live, long Newest)
{
    public static IReadOnlyList<(string Value, string Label)> CategoryOptions { get; } =
        [("", "any"), .. Enum.GetValues<Category>().Select(c => (Categories.Name(c), Categories.Name(c)))];
}

/// <summary>One person's or device's timeline around a moment.</summary>
public sealed record ActivityTimelinePage(
    PageFrame Frame, string By, string Who, string At, IReadOnlyList<ActivityRowView> Rows, long? Moment, string? EarlierLink, string? LaterLink, string? Error);

/// <summary>The rows table both activity pages share; <paramref name="Moment"/> is the row a timeline is centred on.</summary>
public sealed record ActivityRowsModel(IReadOnlyList<ActivityRowView> Rows, long? Moment, string Caption);
