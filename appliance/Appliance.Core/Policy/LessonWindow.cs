namespace Appliance.Core.Policy;

/// <summary>
/// A lesson's sites, allowed for one class or room during one window (issue 9): what the lesson scheduler hands
/// the policy engine. The engine places it at the level of the group's allow entries (DESIGN §5): it lifts custom
/// deny entries, blocked categories and schedules, never the statutory lists, canaries or security categories,
/// and safe search still applies.
/// </summary>
/// <param name="LessonId">The lesson's id, named in errors and in nothing on the hot path.</param>
/// <param name="Hosts">
/// Host names: "example.org" allows the name and its subdomains, "=example.org" that name only (the same syntax
/// as a group's custom allow entries).
/// </param>
/// <param name="Group">A policy group name (case-insensitive): clients in that group; null for any group.</param>
/// <param name="Subnet">A CIDR block (a room), e.g. "10.20.5.0/24": clients in it; null for anywhere.</param>
/// <param name="Start">The window opens at this instant (inclusive).</param>
/// <param name="End">The window closes at this instant (exclusive).</param>
/// <remarks>At least one of <paramref name="Group"/> and <paramref name="Subnet"/> is given; with both, a client must match both.</remarks>
public sealed record LessonWindow(string LessonId, IReadOnlyList<string> Hosts, string? Group, string? Subnet,
    DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>Whether the window is open at <paramref name="now"/>: <c>Start &lt;= now &lt; End</c>.</summary>
    public bool IsActive(DateTimeOffset now) => Start <= now && now < End;
}
