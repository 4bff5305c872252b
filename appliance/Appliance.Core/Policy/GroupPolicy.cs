namespace Appliance.Core.Policy;

/// <summary>A group as the engine uses it: compiled from a <see cref="GroupDefinition"/>, immutable.</summary>
public sealed record GroupPolicy(
    string Name,
    int Index,
    ulong BlockedCategories,
    bool SafeSearch,
    YouTubeMode YouTube,
    IReadOnlyList<ScheduleRule> Schedules)
{
    /// <summary>The group's bit in the custom allow/deny sets (which is why a policy has at most 64 groups).</summary>
    public ulong Bit => 1UL << Index;

    /// <summary>Categories blocked at <paramref name="now"/>: the standing ones, minus active unblocks, plus active blocks.</summary>
    public ulong CategoriesAt(LocalMoment now, TermCalendar terms)
    {
        ulong block = 0;
        ulong unblock = 0;
        foreach (var rule in Schedules)
        {
            if (rule.IsActive(now, terms))
            {
                block |= rule.Block;
                unblock |= rule.Unblock;
            }
        }

        // A category both blocked and unblocked by overlapping windows stays blocked: the safer reading.
        return (BlockedCategories & ~unblock) | block;
    }
}

/// <summary>The lists a policy applies: shared by snapshots until a list is refreshed.</summary>
/// <param name="Blocked">Category block lists (mask = categories).</param>
/// <param name="Exceptions">Their <c>@@</c> exceptions.</param>
/// <param name="Statutory">The locked statutory lists (mask = statutory categories); their content is never shown.</param>
public sealed record PolicyLists(Lists.DomainSet Blocked, Lists.DomainSet Exceptions, Lists.DomainSet Statutory)
{
    public static PolicyLists None { get; } = new(Lists.DomainSet.Empty, Lists.DomainSet.Empty, Lists.DomainSet.Empty);
}
