using System.Net;
using Appliance.Core.Net;
using Appliance.Radius.Server;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Radius.Tests.Server;

public sealed class ReplyCacheTests
{
    private readonly FakeTimeProvider _time = new();
    private static readonly ClientAddress Ap = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.77"), 40000));

    private static RequestKey Key(byte id, byte salt = 1) => RequestKey.Of(Ap, id, [.. Enumerable.Repeat(salt, 16)]);

    [Fact]
    public void A_retransmission_gets_the_first_reply_and_one_still_being_processed_is_dropped()
    {
        var cache = new ReplyCache(_time, TimeSpan.FromSeconds(5));
        Assert.Equal(ReplyCacheResult.New, cache.Begin(Key(7), out _));
        Assert.Equal(ReplyCacheResult.InProgress, cache.Begin(Key(7), out _));

        cache.Complete(Key(7), [2, 7, 0, 20]);
        Assert.Equal(ReplyCacheResult.Answered, cache.Begin(Key(7), out var reply));
        Assert.Equal([2, 7, 0, 20], reply);

        // The same identifier with another authenticator, or from another port, is a new request (RFC 5080 §2.2.2).
        Assert.Equal(ReplyCacheResult.New, cache.Begin(Key(7, salt: 2), out _));
        var otherPort = RequestKey.Of(ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.77"), 40001)), 7, [.. Enumerable.Repeat((byte)1, 16)]);
        Assert.Equal(ReplyCacheResult.New, cache.Begin(otherPort, out _));
    }

    [Fact]
    public void Replies_are_kept_for_the_cleanup_delay_only()
    {
        var cache = new ReplyCache(_time, TimeSpan.FromSeconds(5));
        cache.Begin(Key(1), out _);
        cache.Complete(Key(1), [1]);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(ReplyCacheResult.Answered, cache.Begin(Key(1), out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ReplyCacheResult.New, cache.Begin(Key(1), out _));   // forgotten: a late copy is processed afresh
    }

    [Fact]
    public void An_abandoned_request_is_processed_afresh_and_its_old_expiry_does_not_remove_the_new_entry()
    {
        var cache = new ReplyCache(_time, TimeSpan.FromSeconds(5));
        cache.Begin(Key(3), out _);
        cache.Abandon(Key(3));
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(ReplyCacheResult.New, cache.Begin(Key(3), out _));
        cache.Complete(Key(3), [3]);
        _time.Advance(TimeSpan.FromSeconds(3));   // the first entry's time is up, the second's is not
        Assert.Equal(ReplyCacheResult.Answered, cache.Begin(Key(3), out _));
    }

    [Fact]
    public void A_full_cache_forgets_its_oldest_entries()
    {
        var cache = new ReplyCache(_time, TimeSpan.FromSeconds(5), capacity: 3);
        for (byte id = 0; id < 5; id++)
        {
            cache.Begin(Key(id), out _);
            cache.Complete(Key(id), [id]);
        }

        Assert.Equal(3, cache.Count);
        Assert.Equal(ReplyCacheResult.New, cache.Begin(Key(0), out _));
        Assert.Equal(ReplyCacheResult.Answered, cache.Begin(Key(4), out _));
    }
}
