namespace Appliance.Core.Policy;

/// <summary>
/// The single decision point every request passes through (DESIGN §4: packets → readers → Decide → verdict).
/// Decide is synchronous, lock-free and allocation-free: it reads one immutable snapshot.
/// </summary>
public sealed class PolicyEngine
{
    private PolicySnapshot _snapshot;

    public PolicyEngine(PolicySnapshot? initial = null) => _snapshot = initial ?? PolicySnapshot.AllowAll;

    public PolicySnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Replaces the policy with one reference write; requests in flight finish on the old one.</summary>
    public void Swap(PolicySnapshot next) => Volatile.Write(ref _snapshot, next);

    /// <summary>
    /// Decides one request against the current snapshot: a name on a block list in a blocked category, and not
    /// excepted, is blocked; everything else is allowed. (The full DESIGN §5 precedence — statutory, security,
    /// approved allows, group categories and custom denies — arrives with the rest of issue 3, here, in one place.)
    /// </summary>
    public Verdict Decide(in RequestFacts facts)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (Canaries.TryMatch(facts.WireName, out var canary))
        {
            return new Verdict(canary, ReasonCode.DnsCircumventionCanary);
        }

        var listed = snapshot.Blocked.Match(facts.WireName) & snapshot.BlockedCategories;
        if (listed != 0 && snapshot.Exceptions.Match(facts.WireName) == 0)
        {
            return new Verdict(VerdictAction.Block, ReasonCode.DnsBlockedCategory, listed);
        }

        return Verdict.AllowDefault;
    }
}
