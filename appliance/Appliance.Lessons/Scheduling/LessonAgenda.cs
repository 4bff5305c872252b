using Appliance.Core.Policy;
using Appliance.Lessons.Fetch;
using Appliance.Lessons.Plans;

namespace Appliance.Lessons.Scheduling;

/// <summary>
/// One occurrence of a lesson as the allow layer needs it: the exact host names (a site's approval is for that name,
/// not for every name under it), for whom, from when until when.
/// </summary>
public sealed record AgendaWindow(string LessonKey, IReadOnlyList<string> Hosts, string? Group, string? Room, DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>The engine's window: each host as an exact-name entry (<c>=host</c>).</summary>
    public LessonWindow ToLessonWindow() => new(LessonKey, [.. Hosts.Select(h => "=" + h)], Group, Room, Start, End);
}

/// <summary>
/// What the lesson service has to do at a given moment, worked out from the plans alone (no I/O, so it is tested
/// on a fake clock): which allow windows to load, which lessons to pre-fetch, which names to keep warm, and which
/// lessons' copies may go.
/// </summary>
public static class LessonAgenda
{
    /// <summary>Windows are loaded this far ahead; the engine itself checks each window's start and end on every request.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromHours(36);

    /// <summary>Names are kept warm from this long before a lesson starts until it ends.</summary>
    public static readonly TimeSpan WarmBefore = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The allow windows of every occurrence that overlaps [<paramref name="now"/>, now + <see cref="Horizon"/>): the
    /// hosts of the lesson's usable sites, plus the same-site hosts its pages were fetched from
    /// (<paramref name="fetchedHosts"/>, by lesson key), so the live site's own assets load too.
    /// </summary>
    public static IReadOnlyList<AgendaWindow> Windows(IEnumerable<LessonPlan> plans, PolicySnapshot policy, DateTimeOffset now,
        Func<string, IReadOnlyList<string>>? fetchedHosts = null)
    {
        var windows = new List<AgendaWindow>();
        foreach (var plan in plans)
        {
            var usable = plan.Sites.Where(s => s.IsUsable).ToList();
            var occurrences = usable.Count == 0 ? [] : LessonCalendar.Between(plan.Timing, policy.Clock.Zone, policy.Terms, now, now + Horizon);
            if (occurrences.Count == 0)
            {
                continue;   // (and the fetched hosts of lessons not in the next 36 hours are not read)
            }

            var hosts = usable.Select(s => s.Host).Distinct(StringComparer.Ordinal).ToList();
            var groups = LessonRules.GroupsOf(policy, plan.Group);
            foreach (var fetched in fetchedHosts?.Invoke(plan.Key) ?? [])
            {
                // A host the pre-fetch was served from, of the same site as a usable site (a page can name any host;
                // the approval was for the site, not for whatever it embeds): it joins the window when it would go
                // straight in itself, or when the DSL approved its site (the approval covers the site's own hosts —
                // its CDN host is listed in the same category). A statutory or security host never joins.
                var site = usable.FirstOrDefault(s => SiteKey.Of(s.Host) == SiteKey.Of(fetched));
                if (site is null || hosts.Contains(fetched, StringComparer.Ordinal) || !IsName(fetched))
                {
                    continue;
                }

                if (Judge(policy, plan, groups, occurrences[0].Start, fetched) is null)
                {
                    hosts.Add(fetched);
                }
            }

            foreach (var o in occurrences)
            {
                windows.Add(new AgendaWindow(plan.Key, hosts, plan.Group, plan.Room, o.Start, o.End));
            }
        }

        return windows;
    }

    /// <summary>
    /// The pre-fetch's judge for a lesson (<see cref="Fetch.LessonFetchRequest.Refuse"/>): a host on a statutory list or
    /// in a security category is never fetched; one the class's rules block is fetched only when the DSL approved a
    /// site of the lesson on the same site (the approval covers the site's own hosts); everything else is.
    /// </summary>
    public static Func<Uri, string?> FetchJudge(LessonPlan plan, PolicySnapshot policy, DateTimeOffset now)
    {
        var at = LessonCalendar.Next(plan.Timing, policy.Clock.Zone, policy.Terms, now)?.Start ?? now;
        var groups = LessonRules.GroupsOf(policy, plan.Group);
        return url => Judge(policy, plan, groups, at, url.IdnHost.TrimEnd('.').ToLowerInvariant());
    }

    // Null: the host may be fetched for the lesson and opened in its window; else why not, in words for the teacher.
    private static string? Judge(PolicySnapshot policy, LessonPlan plan, IReadOnlyList<int> groups, DateTimeOffset at, string host)
    {
        var (status, why) = LessonRules.Classify(policy, host, groups, at);
        return status switch
        {
            SiteStatus.Refused => $"{host} is {why}: never fetched",
            SiteStatus.Pending when plan.Sites.Any(s => s.Status == SiteStatus.Approved && SiteKey.Of(s.Host) == SiteKey.Of(host)) => null,
            SiteStatus.Pending => $"{host} is {why.Split(": needs", 2)[0]}: not fetched (only a site a DSL or technician approved is)",
            _ => null,
        };
    }

    // A fetched host comes from a stored report: one that is not a valid name is dropped, not left to fail the table.
    private static bool IsName(string host)
    {
        Span<char> name = stackalloc char[256];
        return host.Length <= 253 && Appliance.Core.Lists.ListParser.Normalize(host, name, out _, out _) is null;
    }

    /// <summary>The hosts to keep warm in the resolver's cache now: those of windows starting within <see cref="WarmBefore"/> or running.</summary>
    public static IReadOnlyCollection<string> WarmNames(IEnumerable<AgendaWindow> windows, DateTimeOffset now)
        => windows.Where(w => w.Start - WarmBefore <= now && now < w.End).SelectMany(w => w.Hosts).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The next occurrence each lesson should be fetched for, when its pre-fetch is due (the occurrence starts within
    /// <paramref name="lead"/>): lessons with no usable site are left out.
    /// </summary>
    public static IReadOnlyList<(LessonPlan Plan, LessonOccurrence For)> DueForFetch(IEnumerable<LessonPlan> plans, PolicySnapshot policy, DateTimeOffset now, TimeSpan lead)
    {
        var due = new List<(LessonPlan, LessonOccurrence)>();
        foreach (var plan in plans.Where(p => p.Sites.Any(s => s.IsUsable)))
        {
            if (LessonCalendar.Next(plan.Timing, policy.Clock.Zone, policy.Terms, now) is { } next && next.Start - lead <= now)
            {
                due.Add((plan, next));
            }
        }

        return due;
    }

    /// <summary>When the lesson's next automatic pre-fetch is due (now if already due), or null when it is over or has no usable site.</summary>
    public static DateTimeOffset? NextFetch(LessonPlan plan, PolicySnapshot policy, DateTimeOffset now, TimeSpan lead)
        => plan.Sites.Any(s => s.IsUsable) && LessonCalendar.Next(plan.Timing, policy.Clock.Zone, policy.Terms, now) is { } next
            ? (next.Start - lead > now ? next.Start - lead : now)
            : null;

    /// <summary>The lessons whose copies must stay: every plan whose last occurrence ended less than <paramref name="keepAfter"/> ago.</summary>
    public static IReadOnlySet<string> Keep(IEnumerable<LessonPlan> plans, PolicySnapshot policy, DateTimeOffset now, TimeSpan keepAfter)
        => plans.Where(p => LessonCalendar.LastEnd(p.Timing, policy.Clock.Zone) + keepAfter > now).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
}
