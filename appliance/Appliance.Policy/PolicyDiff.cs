using Appliance.Core.Policy;

namespace Appliance.Policy;

/// <summary>
/// What a change changed, in a line a governor can read in the change-control log: groups added, removed or
/// changed (and which of their settings), subnets, terms, time zone.
/// </summary>
public static class PolicyDiff
{
    public static string Describe(PolicyDocument before, PolicyDocument after)
    {
        var parts = new List<string>();
        var old = before.Groups.ToDictionary(g => g.Name, StringComparer.OrdinalIgnoreCase);
        var now = after.Groups.ToDictionary(g => g.Name, StringComparer.OrdinalIgnoreCase);
        parts.AddRange(now.Keys.Where(n => !old.ContainsKey(n)).Select(n => $"group '{n}' added"));
        parts.AddRange(old.Keys.Where(n => !now.ContainsKey(n)).Select(n => $"group '{n}' removed"));
        foreach (var (name, group) in now)
        {
            if (old.TryGetValue(name, out var was))
            {
                var changed = GroupChanges(was, group);
                if (changed.Count > 0)
                {
                    parts.Add($"group '{name}': {string.Join(", ", changed)}");
                }
            }
        }

        Compare(parts, "subnets", before.Subnets, after.Subnets);
        Compare(parts, "terms", before.Terms, after.Terms);
        Compare(parts, "security categories", before.SecurityCategories, after.SecurityCategories);
        if (before.TimeZone != after.TimeZone)
        {
            parts.Add($"time zone {before.TimeZone} → {after.TimeZone}");
        }

        if (!string.Equals(before.DefaultGroup, after.DefaultGroup, StringComparison.OrdinalIgnoreCase))
        {
            parts.Add($"default group {before.DefaultGroup} → {after.DefaultGroup}");
        }

        return parts.Count == 0 ? "no change" : string.Join("; ", parts);
    }

    private static List<string> GroupChanges(GroupDefinition was, GroupDefinition now)
    {
        var changes = new List<string>();
        SetChange(changes, "blocked", was.BlockedCategories, now.BlockedCategories);
        SetChange(changes, "allow", was.Allow, now.Allow);
        SetChange(changes, "deny", was.Deny, now.Deny);
        if (was.SafeSearch != now.SafeSearch)
        {
            changes.Add($"safe search {(now.SafeSearch ? "on" : "off")}");
        }

        if (!string.Equals(was.YouTube, now.YouTube, StringComparison.OrdinalIgnoreCase))
        {
            changes.Add($"YouTube {was.YouTube} → {now.YouTube}");
        }

        Compare(changes, "schedules", was.Schedules, now.Schedules);
        return changes;
    }

    private static void SetChange(List<string> changes, string what, IReadOnlyList<string> was, IReadOnlyList<string> now)
    {
        var added = now.Except(was, StringComparer.OrdinalIgnoreCase).ToList();
        var removed = was.Except(now, StringComparer.OrdinalIgnoreCase).ToList();
        if (added.Count + removed.Count > 0)
        {
            changes.Add($"{what} {string.Join(" ", added.Select(a => "+" + a).Concat(removed.Select(r => "-" + r)))}");
        }
    }

    private static void Compare<T>(List<string> parts, string what, IReadOnlyList<T> was, IReadOnlyList<T> now)
    {
        if (!was.SequenceEqual(now, EqualityComparer<T>.Create((a, b) => Json(a) == Json(b))))
        {
            parts.Add($"{what} changed");
        }
    }

    private static string Json<T>(T value) => value switch
    {
        ScheduleDefinition s => $"{string.Join(',', s.Days)}|{s.From}|{s.To}|{s.When}|{string.Join(',', s.Block)}|{string.Join(',', s.Unblock)}|{s.Name}",
        _ => value?.ToString() ?? "",
    };
}
