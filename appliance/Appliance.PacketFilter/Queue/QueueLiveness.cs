namespace Appliance.PacketFilter.Queue;

/// <summary>
/// Whether every verdict loop is still turning, for the systemd watchdog (DESIGN §5: the heartbeat beats only while
/// the filtering loops are alive). A loop's turn count must have moved within <c>stall</c> of the last time it was
/// seen to move; each loop turns at least every receive timeout (250 ms), so a count that stands still for seconds is
/// a loop that is stuck in the judge or has died. Called from one thread (the watchdog's).
/// </summary>
public sealed class QueueLiveness(TimeProvider time, TimeSpan stall)
{
    private long[] _turns = [];
    private long[] _movedAt = [];

    /// <summary>True while every queue's count has moved recently; a new or re-sized set of queues counts as moving.</summary>
    public bool AllTurning(IReadOnlyList<long> turns)
    {
        var now = time.GetTimestamp();
        if (turns.Count != _turns.Length)
        {
            _turns = [.. turns];
            _movedAt = [.. turns.Select(_ => now)];
            return true;
        }

        var alive = true;
        for (var i = 0; i < turns.Count; i++)
        {
            if (turns[i] != _turns[i])
            {
                _turns[i] = turns[i];
                _movedAt[i] = now;
            }
            else if (time.GetElapsedTime(_movedAt[i], now) > stall)
            {
                alive = false;
            }
        }

        return alive;
    }
}
