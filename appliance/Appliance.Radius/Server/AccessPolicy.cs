using Appliance.Radius.Users;

namespace Appliance.Radius.Server;

/// <summary>
/// What an Access-Accept tells the access point about the user (radius.md §6): the inner identity as User-Name (RFC 2865
/// §5.1: the NAS should use it in accounting, instead of the outer <c>anonymous</c>), a Class that names the user to us
/// again in accounting (§5.25), a Session-Timeout never past a guest's expiry (§5.27), and the group's VLAN (RFC 3580 §3.31:
/// Tunnel-Type VLAN, Tunnel-Medium-Type IEEE-802, Tunnel-Private-Group-Id the VLAN number).
/// </summary>
public sealed record AccessPolicy
{
    /// <summary>VLAN per policy group; a group not listed gets no VLAN attributes (the SSID's own VLAN).</summary>
    public IReadOnlyDictionary<string, int> VlanByGroup { get; init; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>Re-authentication period for everyone (null: none sent; the access point's own setting holds).</summary>
    public TimeSpan? SessionTimeout { get; init; }

    /// <summary>The Session-Timeout for a user at <paramref name="now"/>: the policy's, shortened to a guest's remaining validity.</summary>
    public uint? SessionTimeoutFor(DirectoryUser user, DateTimeOffset now)
    {
        var timeout = SessionTimeout;
        if (user.ExpiresAt is { } expires)
        {
            var left = expires - now;
            timeout = timeout is null || left < timeout ? left : timeout;
        }

        // At least one second: 0 would mean "no timeout" to some access points.
        return timeout is null ? null : (uint)Math.Clamp(Math.Ceiling(timeout.Value.TotalSeconds), 1, int.MaxValue);
    }

    public int? VlanFor(DirectoryUser user) => VlanByGroup.TryGetValue(user.Group, out var vlan) ? vlan : null;
}
