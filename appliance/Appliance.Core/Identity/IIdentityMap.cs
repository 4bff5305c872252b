using Appliance.Core.Net;

namespace Appliance.Core.Identity;

/// <summary>
/// Who a client address belongs to, when something knows (DESIGN §5 "Identity"): RADIUS accounting maps
/// IP → user → group (issue 7). <see cref="Group"/> is a group name as the policy knows it; a group the current
/// policy does not have falls back to the subnet mapping. The strings are held by the map, not made per query.
/// </summary>
public readonly record struct ClientIdentity(string? User, string? Group)
{
    public static ClientIdentity Unknown => default;
}

/// <summary>
/// The seam between identity sources and the policy engine. Implementations must be safe to call from many
/// threads at once and must not allocate: this runs for every query and every inspected flow.
/// </summary>
public interface IIdentityMap
{
    bool TryResolve(in ClientAddress client, out ClientIdentity identity);
}

/// <summary>No per-user identity: every client is placed by its subnet alone.</summary>
public sealed class NoIdentities : IIdentityMap
{
    public static NoIdentities Instance { get; } = new();

    public bool TryResolve(in ClientAddress client, out ClientIdentity identity)
    {
        identity = ClientIdentity.Unknown;
        return false;
    }
}
