namespace Appliance.Fleet.Downlink;

/// <summary>
/// Refused downlink messages are audited, and the audit log is never dropped: so that someone with a leaked broker
/// password cannot fill a box's disk with refusals, at most <see cref="PerHour"/> are recorded one by one each
/// hour; the rest are counted and the count goes with the next one recorded.
/// </summary>
public sealed class RefusalLimiter(TimeProvider time)
{
    public const int PerHour = 20;
    private readonly Lock _lock = new();
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private int _recorded;
    private int _held;

    /// <summary>Whether to record this refusal; <paramref name="heldBack"/> says how many were not recorded since the last one.</summary>
    public bool ShouldRecord(out int heldBack)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (now - _windowStart >= TimeSpan.FromHours(1))
            {
                (_windowStart, _recorded) = (now, 0);
            }

            if (_recorded < PerHour)
            {
                _recorded++;
                (heldBack, _held) = (_held, 0);
                return true;
            }

            _held++;
            heldBack = 0;
            return false;
        }
    }
}
