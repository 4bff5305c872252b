using Appliance.Core.Lists;

namespace Appliance.Core.Policy;

/// <summary>
/// An immutable view of the policy that the hot path reads (YARP's RouteConfig → RouteModel pattern).
/// A new snapshot is built off the hot path and swapped in with one reference write. Today it holds the
/// compiled block list applied to every client and its exceptions; groups, schedules, locked statutory lists
/// and custom entries are the rest of issue 3.
/// </summary>
public sealed class PolicySnapshot
{
    public static PolicySnapshot AllowAll { get; } = new(0);

    public PolicySnapshot(long version, DomainSet? blocked = null, DomainSet? exceptions = null, ulong blockedCategories = ulong.MaxValue)
    {
        Version = version;
        Blocked = blocked ?? DomainSet.Empty;
        Exceptions = exceptions ?? DomainSet.Empty;
        BlockedCategories = blockedCategories;
    }

    /// <summary>Monotonic version, reported in health and in events that need to say which policy acted.</summary>
    public long Version { get; }

    /// <summary>Names on the block lists, with their categories.</summary>
    public DomainSet Blocked { get; }

    /// <summary>Names excepted from those lists (adblock <c>@@</c> rules).</summary>
    public DomainSet Exceptions { get; }

    /// <summary>Which categories are blocked (all of the listed ones, until groups choose).</summary>
    public ulong BlockedCategories { get; }
}
