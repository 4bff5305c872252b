namespace Appliance.Core.Policy;

/// <summary>
/// An immutable view of the policy that the hot path reads (YARP's RouteConfig → RouteModel pattern).
/// A new snapshot is built off the hot path and swapped in with one reference write. The filtering issue
/// fills this with compiled lists, groups and schedules; today it only carries the default action.
/// </summary>
public sealed class PolicySnapshot
{
    public static PolicySnapshot AllowAll { get; } = new(0);

    public PolicySnapshot(long version) => Version = version;

    /// <summary>Monotonic version, reported in health and in events that need to say which policy acted.</summary>
    public long Version { get; }
}
