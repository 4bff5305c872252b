using Appliance.PacketFilter.Queue;
using Appliance.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.PacketFilter.Tests.Queue;

/// <summary>The watchdog's view of the verdict loops: a loop whose turn count stands still for the stall limit is stuck.</summary>
public sealed class QueueLivenessTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_count_that_moves_is_alive_and_one_that_stands_still_past_the_limit_is_not()
    {
        var liveness = new QueueLiveness(_time, TimeSpan.FromSeconds(2));
        Assert.True(liveness.AllTurning([10, 20]));   // first sight

        _time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(liveness.AllTurning([11, 20]));   // queue 2 still within the limit
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(liveness.AllTurning([12, 20]));  // queue 2 has stood still 2.5 s
        Assert.False(liveness.AllTurning([13, 20]));
        Assert.True(liveness.AllTurning([14, 21]));   // it moved again
    }

    [Fact]
    public void Every_queue_stuck_is_not_alive_and_a_new_set_of_queues_starts_afresh()
    {
        var liveness = new QueueLiveness(_time, TimeSpan.FromSeconds(2));
        Assert.True(liveness.AllTurning([5]));
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.False(liveness.AllTurning([5]));
        Assert.True(liveness.AllTurning([5, 9]));     // re-sized: counted as moving from now
        Assert.True(liveness.AllTurning([]));         // no queues: nothing to vouch against
    }
}

/// <summary>The real loop turns while idle (its receive timeout), which is what the watchdog counts on.</summary>
public sealed class NfQueueTurnTests : IDisposable
{
    private readonly NetworkNamespace _ns = NetworkNamespace.Create("nfqturn");

    public void Dispose() => _ns.Dispose();

    [Fact]
    public async Task An_idle_queue_keeps_turning_until_cancelled()
    {
        using var queue = _ns.Enter(() => NfQueue.Open(new NfQueueOptions { Queue = 7 }));
        using var stop = new CancellationTokenSource();
        var loop = queue.RunAsync(new NoJudge(), stop.Token);

        await Eventually.True(() => queue.Counters.Turns >= 3, TimeSpan.FromSeconds(10), () => $"turns {queue.Counters.Turns}");
        Assert.Equal(0, queue.Counters.Packets);   // no packet needed to turn

        await stop.CancelAsync();
        await loop;   // the loop noticed the cancellation (within one receive timeout) and ended
    }

    private sealed class NoJudge : IPacketJudge
    {
        public PacketVerdict Judge(in QueuedPacket packet) => PacketVerdict.Pass;
    }
}
