using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Core.Policy;

namespace Appliance.Lessons.Plans;

/// <summary>
/// What makes a lesson plan acceptable, and how each of its sites is classified against the running policy
/// (issue 9 "Approval"): a site in no category the class blocks goes straight in; one in a blocked category or on the
/// class's custom deny list waits for a DSL or technician; a locked statutory list or a security category can never be
/// approved, because nothing ranks above them (DESIGN §5).
/// </summary>
public static class LessonRules
{
    public const int MaxTitle = 100;
    public const int MaxNote = 200;
    public const int MaxUrl = 2_000;
    public const int MaxSites = 30;

    /// <summary>The widest subnet a room may be (1,024 IPv4 addresses; an IPv6 /56).</summary>
    public const int MinRoomPrefixV4 = 22;

    /// <inheritdoc cref="MinRoomPrefixV4"/>
    public const int MinRoomPrefixV6 = 56;

    /// <summary>A lesson longer than this is a mistake in the times (a school day is shorter).</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromHours(8);

    /// <summary>A weekly lesson runs at most this long: a school year, then it is planned again.</summary>
    public const int MaxWeeklyDays = 366;

    /// <summary>Every problem with a draft, each naming its field; empty when it can be saved.</summary>
    public static IReadOnlyList<string> Validate(LessonDraft draft, PolicySnapshot policy, DateOnly today)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(draft.Title))
        {
            errors.Add("title: a lesson needs a title");
        }
        else if (draft.Title.Length > MaxTitle)
        {
            errors.Add($"title: at most {MaxTitle} characters");
        }

        if (string.IsNullOrWhiteSpace(draft.Group) && string.IsNullOrWhiteSpace(draft.Room))
        {
            errors.Add("group: give the class's group, the room's subnet, or both (who the sites are opened for)");
        }

        if (!string.IsNullOrWhiteSpace(draft.Group) && policy.GroupIndex(draft.Group.Trim()) < 0)
        {
            errors.Add($"group: '{draft.Group}' is not a group of the policy (groups: {string.Join(", ", policy.Groups.Select(g => g.Name))})");
        }

        var room = default(System.Net.IPNetwork);
        if (!string.IsNullOrWhiteSpace(draft.Room) && !SubnetMap.TryParse(draft.Room.Trim(), out room, out var roomError))
        {
            errors.Add($"room: '{draft.Room}' is not a subnet such as 10.20.12.0/24: {roomError}");
        }
        else if (!string.IsNullOrWhiteSpace(draft.Room) && room.PrefixLength < (room.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? MinRoomPrefixV4 : MinRoomPrefixV6))
        {
            errors.Add($"room: '{draft.Room}' is wider than a room (at most /{MinRoomPrefixV4} for IPv4, /{MinRoomPrefixV6} for IPv6): a lesson opens its sites for a class, not a whole school");
        }

        ValidateTiming(draft.Timing, today, errors);
        if (draft.Sites.Count == 0)
        {
            errors.Add("sites: a lesson needs at least one site");
        }
        else if (draft.Sites.Count > MaxSites)
        {
            errors.Add($"sites: at most {MaxSites} sites in one lesson");
        }

        for (var i = 0; i < draft.Sites.Count; i++)
        {
            if (!TryParseSiteUrl(draft.Sites[i].Url, out _, out var urlError))
            {
                errors.Add($"sites[{i}].url: {urlError}");
            }

            if (draft.Sites[i].Note.Length > MaxNote)
            {
                errors.Add($"sites[{i}].note: at most {MaxNote} characters");
            }
        }

        return errors;
    }

    /// <summary>An absolute http(s) URL naming a host by its DNS name (the filter decides by name, not address).</summary>
    public static bool TryParseSiteUrl(string text, out Uri url, out string error)
    {
        url = null!;
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            error = "the address is empty";
            return false;
        }

        if (trimmed.Length > MaxUrl)
        {
            error = $"the address is longer than {MaxUrl} characters";
            return false;
        }

        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
        {
            error = $"'{trimmed}' is not a web address starting http:// or https://";
            return false;
        }

        if (parsed.HostNameType != UriHostNameType.Dns || !parsed.Host.Contains('.', StringComparison.Ordinal))
        {
            error = $"'{parsed.Host}' is not a site's name (an address or a bare name cannot be allowed by name)";
            return false;
        }

        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            error = "the address must not carry a user name or password";
            return false;
        }

        Span<char> name = stackalloc char[256];
        if (ListParser.Normalize(parsed.IdnHost, name, out _, out _) is { } reason)
        {
            error = $"'{parsed.Host}': {reason}";
            return false;
        }

        url = parsed;
        error = "";
        return true;
    }

    /// <summary>
    /// The policy groups whose rules a lesson's sites are judged by: the lesson's group; for a room-only lesson every
    /// group, since its window opens for whoever is in the room (a pupil signed in to the Wi-Fi in a staff-mapped room
    /// is still a pupil).
    /// </summary>
    public static IReadOnlyList<int> GroupsOf(PolicySnapshot policy, string? group)
        => !string.IsNullOrWhiteSpace(group) && policy.GroupIndex(group.Trim()) is >= 0 and var named
            ? [named]
            : [.. Enumerable.Range(0, policy.Groups.Count)];

    /// <summary>The most restrictive of <see cref="Classify(PolicySnapshot, string, int, DateTimeOffset)"/> over <paramref name="groups"/>.</summary>
    public static (SiteStatus Status, string Reason) Classify(PolicySnapshot policy, string host, IReadOnlyList<int> groups, DateTimeOffset at)
    {
        var worst = (Status: SiteStatus.Allowed, Reason: "in no category the class blocks");
        foreach (var group in groups)
        {
            var verdict = Classify(policy, host, group, at);
            if (Rank(verdict.Status) > Rank(worst.Status))
            {
                worst = groups.Count > 1 && verdict.Status == SiteStatus.Pending
                    ? (verdict.Status, $"{verdict.Reason} (group {policy.Groups[group].Name}, who may be in the room)")
                    : verdict;
            }
        }

        return worst;
    }

    /// <summary>
    /// How a site's host stands for group <paramref name="group"/> at <paramref name="at"/> (a lesson's first start):
    /// the status it gets and why, in words for the teacher's page.
    /// </summary>
    public static (SiteStatus Status, string Reason) Classify(PolicySnapshot policy, string host, int group, DateTimeOffset at)
    {
        var statutory = policy.Statutory.MatchText(host);
        if (statutory != 0)
        {
            return (SiteStatus.Refused, "on a locked statutory list: it can never be opened, by anyone");
        }

        var listed = policy.Blocked.MatchText(host);
        if (listed != 0 && policy.Exceptions.Count > 0 && policy.Exceptions.MatchText(host) != 0)
        {
            listed = 0;   // the list's own @@ exception, as the engine applies it
        }

        if ((listed & policy.SecurityCategories) is not 0 and var security)
        {
            return (SiteStatus.Refused, $"in a security category ({Categories.Describe(security)}): blocked for everyone at all times");
        }

        var bit = 1UL << group;
        if ((policy.Allow.MatchText(host) & bit) != 0)
        {
            return (SiteStatus.Allowed, "on the class's allow list");
        }

        if ((policy.Deny.MatchText(host) & bit) != 0)
        {
            return (SiteStatus.Pending, "on the class's custom deny list: needs a DSL's or technician's approval");
        }

        var blocked = listed & (policy.Groups[group].BlockedCategories | policy.CategoriesAt(group, at));
        return blocked != 0
            ? (SiteStatus.Pending, $"in a category the class blocks ({Categories.Describe(blocked)}): needs a DSL's or technician's approval")
            : (SiteStatus.Allowed, "in no category the class blocks");
    }

    private static int Rank(SiteStatus status) => status switch
    {
        SiteStatus.Refused => 2,
        SiteStatus.Pending => 1,
        _ => 0,
    };

    private static void ValidateTiming(LessonTiming timing, DateOnly today, List<string> errors)
    {
        if (timing.End <= timing.Start)
        {
            errors.Add("end: the lesson must end after it starts");
        }
        else if (timing.End - timing.Start > MaxLength)
        {
            errors.Add($"end: a lesson lasts at most {MaxLength.TotalHours:0} hours");
        }

        var last = timing.Weekly ? timing.Until : timing.Date;
        if (timing.Weekly && timing.Until is not { } until)
        {
            errors.Add("until: a weekly lesson needs the date it runs until");
        }
        else if (timing.Weekly && timing.Until < timing.Date)
        {
            errors.Add("until: the last week is before the first");
        }
        else if (timing.Weekly && timing.Until!.Value.DayNumber - timing.Date.DayNumber > MaxWeeklyDays)
        {
            errors.Add($"until: a weekly lesson runs at most {MaxWeeklyDays} days; plan it again next year");
        }

        if (last is { } end && end < today)
        {
            errors.Add("date: the lesson is in the past");
        }
    }
}
