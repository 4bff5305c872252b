namespace Appliance.Radius.Users;

/// <summary>
/// A user's failure count, persisted on their row so that a restart does not wipe it. Changes only on a failure, on
/// the first success after failures, and when a lockout starts, so a normal login writes nothing (an SD card
/// wears with every write).
/// <code>
///   clear ──failure──► counting (n, since) ──failure, n+1 &lt; max──► counting
///     ▲                     │ window passed: the next failure starts again at 1
///     │                     └──failure, n+1 = max──► locked until t ──t passes──► clear
///     └──────── success (after any failure) ────────────────────────────────────┘
/// </code>
/// </summary>
internal readonly record struct Lockout(int Failures, long FirstFailureAt, long LockedUntil)
{
    public static Lockout Clear => default;

    public bool IsClear => Failures == 0 && LockedUntil == 0;

    public bool IsLocked(long now) => LockedUntil > now;

    /// <summary>The state after one more failure at <paramref name="now"/> (Unix ms); <paramref name="locked"/> when it starts a lockout.</summary>
    public Lockout AfterFailure(long now, LockoutPolicy policy, out bool locked)
    {
        var windowOpen = Failures > 0 && now - FirstFailureAt < (long)policy.Window.TotalMilliseconds;
        var failures = windowOpen ? Failures + 1 : 1;
        var since = windowOpen ? FirstFailureAt : now;
        locked = failures >= policy.MaxFailures;
        return locked ? new Lockout(0, 0, now + (long)policy.Duration.TotalMilliseconds) : new Lockout(failures, since, 0);
    }
}
