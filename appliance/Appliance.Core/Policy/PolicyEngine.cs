using Appliance.Protocols.Dns;

namespace Appliance.Core.Policy;

/// <summary>
/// The single decision point every request passes through (DESIGN §4: packets → readers → Decide → verdict).
/// Decide is synchronous, lock-free and allocation-free: it reads one immutable snapshot.
/// </summary>
public sealed class PolicyEngine
{
    // Lists every box carries whatever its configuration: public encrypted-DNS resolvers (circumvention).
    private static readonly Lists.DomainSet BuiltIn = Lists.DohResolvers.Build();

    private PolicySnapshot _snapshot;
    private LessonAllowTable _lessons = LessonAllowTable.Empty;

    public PolicyEngine(PolicySnapshot? initial = null) => _snapshot = initial ?? PolicySnapshot.AllowAll;

    public PolicySnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>The lesson windows in force (issue 9); <see cref="LessonAllowTable.Empty"/> until the scheduler swaps some in.</summary>
    public LessonAllowTable Lessons => Volatile.Read(ref _lessons);

    /// <summary>Replaces the policy with one reference write; requests in flight finish on the old one.</summary>
    public void Swap(PolicySnapshot next) => Volatile.Write(ref _snapshot, next);

    /// <summary>
    /// Replaces the lesson windows with one reference write, independently of the policy: a lesson starting, ending
    /// or being edited changes no policy version.
    /// </summary>
    public void SwapLessons(LessonAllowTable next)
    {
        ArgumentNullException.ThrowIfNull(next);
        Volatile.Write(ref _lessons, next);
    }

    /// <summary>Decides one request against the current snapshot and lesson windows.</summary>
    public Verdict Decide(in RequestFacts facts) => Decide(Volatile.Read(ref _snapshot), Volatile.Read(ref _lessons), facts);

    /// <summary>Decides one request against a snapshot, with no lesson windows.</summary>
    public static Verdict Decide(PolicySnapshot snapshot, in RequestFacts facts) => Decide(snapshot, LessonAllowTable.Empty, facts);

    /// <summary>
    /// The precedence of DESIGN §5, in one place, most binding first:
    /// <list type="number">
    /// <item>locked statutory lists: blocked for everyone, nothing overrides them;</item>
    /// <item>circumvention canaries (answered so that DoH and Private Relay stay off);</item>
    /// <item>security categories (malware, phishing): blocked for everyone, above allow entries;</item>
    /// <item>the group's allow entries (approved unblocks), then the open lesson windows for the client's group or room;</item>
    /// <item>the group's deny entries, then its blocked categories at this moment (schedules applied), less the
    /// lists' own <c>@@</c> exceptions;</item>
    /// <item>safe search and YouTube restrictions by group, which an allow entry does not switch off;</item>
    /// <item>HTTPS records answered NODATA where the policy says so (else the resolver strips their <c>ech</c>);</item>
    /// <item>default allow.</item>
    /// </list>
    /// </summary>
    [System.Runtime.CompilerServices.SkipLocalsInit]   // the suffix buffer is read only where it was written
    public static Verdict Decide(PolicySnapshot snapshot, LessonAllowTable lessons, in RequestFacts facts)
    {
        var name = facts.WireName;
        var groupIndex = GroupOf(snapshot, facts);
        var group = (byte)groupIndex;
        Span<ulong> buffer = stackalloc ulong[Lists.NameHash.MaxLabels];
        var suffixes = Lists.NameSuffixes.Compute(name, buffer);   // hashed once, looked up in every set below

        var statutory = snapshot.Statutory.Match(suffixes);
        if (statutory != 0)
        {
            return new Verdict(VerdictAction.Block, ReasonCode.DnsBlockedStatutory, statutory, group);
        }

        if (Canaries.TryMatch(name, out var canary))
        {
            return new Verdict(canary, ReasonCode.DnsCircumventionCanary, 0, group);
        }

        var listed = snapshot.Blocked.Match(suffixes) | BuiltIn.Match(suffixes);
        if (listed != 0 && snapshot.Exceptions.Count > 0 && snapshot.Exceptions.Match(suffixes) != 0)
        {
            listed = 0;   // an @@ exception lifts the list's own entry (adblock semantics)
        }

        var security = listed & snapshot.SecurityCategories;
        if (security != 0)
        {
            return new Verdict(VerdictAction.Block, ReasonCode.DnsBlockedSecurity, security, group);
        }

        var policy = snapshot.Groups[groupIndex];
        var reason = ReasonCode.DnsAllowedDefault;
        if ((snapshot.Allow.Match(suffixes) & policy.Bit) != 0)
        {
            reason = ReasonCode.DnsAllowedCustom;
        }
        else if (lessons.Count > 0 && lessons.Allows(suffixes, policy.Name, facts.Client, facts.Now))
        {
            reason = ReasonCode.DnsAllowedLesson;
        }
        else if ((snapshot.Deny.Match(suffixes) & policy.Bit) != 0)
        {
            return new Verdict(VerdictAction.Block, ReasonCode.DnsBlockedCustom, 0, group);
        }
        else if (listed != 0)
        {
            var blocked = listed & snapshot.CategoriesAt(groupIndex, facts.Now);
            if (blocked != 0)
            {
                var always = (blocked & policy.BlockedCategories) != 0;
                return new Verdict(VerdictAction.Block, always ? ReasonCode.DnsBlockedCategory : ReasonCode.DnsBlockedSchedule,
                    always ? blocked & policy.BlockedCategories : blocked, group);
            }
        }

        var target = SafeSearch.Match(suffixes, policy.SafeSearch, policy.YouTube);
        if (target != SafeSearchTarget.None)
        {
            var why = target is SafeSearchTarget.YouTubeStrict or SafeSearchTarget.YouTubeModerate
                ? ReasonCode.DnsYouTubeRestricted
                : ReasonCode.DnsSafeSearch;

            // HTTPS/SVCB records of the engine's host would send the browser around the rewrite (packet-path.md §3.5).
            var action = facts.QueryType is DnsType.Https or DnsType.Svcb ? VerdictAction.NoData : VerdictAction.Rewrite;
            return new Verdict(action, why, 0, group, target);
        }

        if (snapshot.HttpsNoData && facts.QueryType == DnsType.Https)
        {
            return new Verdict(VerdictAction.NoData, ReasonCode.DnsHttpsRecordRefused, 0, group);
        }

        return new Verdict(VerdictAction.Allow, reason, 0, group);
    }

    /// <summary>The client's group: its identity's group if the policy has it, else its subnet's, else the default.</summary>
    public static int GroupOf(PolicySnapshot snapshot, in RequestFacts facts)
    {
        if (facts.Identity.Group is { } named)
        {
            var index = snapshot.GroupIndex(named);
            if (index >= 0)
            {
                return index;
            }
        }

        var bySubnet = snapshot.Subnets.Count == 0 ? -1 : snapshot.Subnets.Match(facts.Client);
        return bySubnet >= 0 ? bySubnet : snapshot.DefaultGroup;
    }
}
