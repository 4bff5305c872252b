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

    public Verdict Decide(in RequestFacts facts)
    {
        _ = Volatile.Read(ref _snapshot);
        return Verdict.AllowDefault;
    }
}
