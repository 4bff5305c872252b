using System.Collections.Frozen;
using Appliance.Core.Lists;
using Appliance.Core.Net;

namespace Appliance.Core.Policy;

/// <summary>
/// An immutable, compiled view of the policy that the hot path reads (YARP's RouteConfig → RouteModel pattern):
/// the lists, the groups with their custom entries and schedules, the subnet → group map and the school's clock.
/// Built by <see cref="PolicyCompiler"/> off the hot path and swapped in with one reference write.
/// </summary>
public sealed class PolicySnapshot
{
    private readonly FrozenDictionary<string, int> _groupsByName;
    private readonly bool _hasSchedules;
    private EffectiveCategories? _effective;

    internal PolicySnapshot(long version, PolicyDocument document, PolicyLists lists, GroupPolicy[] groups, int defaultGroup,
        SubnetMap subnets, DomainSet allow, DomainSet deny, ulong securityCategories, SchoolClock clock, TermCalendar terms)
    {
        Version = version;
        Document = document;
        Lists = lists;
        Groups = groups;
        DefaultGroup = defaultGroup;
        Subnets = subnets;
        Allow = allow;
        Deny = deny;
        SecurityCategories = securityCategories;
        Clock = clock;
        Terms = terms;
        _groupsByName = groups.ToFrozenDictionary(g => g.Name, g => g.Index, StringComparer.OrdinalIgnoreCase);
        _hasSchedules = groups.Any(g => g.Schedules.Count > 0);
    }

    /// <summary>No lists, one default group: everything allowed except the canaries (and safe search).</summary>
    public static PolicySnapshot AllowAll { get; } = PolicyCompiler.Compile(PolicyCompiler.DefaultDocument, PolicyLists.None, 0);

    /// <summary>Monotonic version, reported in health and in events that need to say which policy acted.</summary>
    public long Version { get; }

    /// <summary>The policy as written, for explanations and for editing the next version.</summary>
    public PolicyDocument Document { get; }

    public PolicyLists Lists { get; }

    /// <summary>Names on the category block lists, with their categories.</summary>
    public DomainSet Blocked => Lists.Blocked;

    /// <summary>Names excepted from those lists (adblock <c>@@</c> rules).</summary>
    public DomainSet Exceptions => Lists.Exceptions;

    /// <summary>The locked statutory lists.</summary>
    public DomainSet Statutory => Lists.Statutory;

    public IReadOnlyList<GroupPolicy> Groups { get; }

    public int DefaultGroup { get; }

    /// <summary>Client subnet → group index.</summary>
    public SubnetMap Subnets { get; }

    /// <summary>Custom allow entries; the mask holds one bit per group that allows the name.</summary>
    public DomainSet Allow { get; }

    /// <summary>Custom deny entries; the mask holds one bit per group that denies the name.</summary>
    public DomainSet Deny { get; }

    /// <summary>Categories blocked for everyone, above allow entries.</summary>
    public ulong SecurityCategories { get; }

    public SchoolClock Clock { get; }

    public TermCalendar Terms { get; }

    /// <summary>HTTPS records of allowed names are answered NODATA (<see cref="PolicyDocument.HttpsRecords"/>).</summary>
    public bool HttpsNoData { get; init; }

    /// <summary>The index of a group by name (case-insensitive), or -1.</summary>
    public int GroupIndex(string name) => _groupsByName.TryGetValue(name, out var index) ? index : -1;

    /// <summary>
    /// The categories group <paramref name="group"/> blocks at <paramref name="now"/>, schedules applied. The
    /// answer for all groups is worked out once per UTC minute and shared (every time zone's offset is whole
    /// minutes, so a UTC minute is one local minute, DST changes included); the hot path reads an array.
    /// </summary>
    public ulong CategoriesAt(int group, DateTimeOffset now)
    {
        if (!_hasSchedules)
        {
            return Groups[group].BlockedCategories;
        }

        var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
        var effective = Volatile.Read(ref _effective);
        if (effective is null || effective.Minute != minute)
        {
            effective = Recompute(minute);
        }

        return effective.Masks[group];
    }

    // Once a minute. Kept out of CategoriesAt: the lambda's closure would otherwise be allocated on every call, since
    // the compiler hoists it to the start of the method (it cost 32 bytes on each category-blocked query).
    private EffectiveCategories Recompute(long minute)
    {
        var local = Clock.At(new DateTimeOffset(minute * TimeSpan.TicksPerMinute, TimeSpan.Zero));
        var effective = new EffectiveCategories(minute, [.. Groups.Select(g => g.CategoriesAt(local, Terms))]);
        Volatile.Write(ref _effective, effective);
        return effective;
    }

    private sealed record EffectiveCategories(long Minute, ulong[] Masks);
}
