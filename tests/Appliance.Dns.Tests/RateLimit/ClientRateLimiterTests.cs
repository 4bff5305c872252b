using System.Net;
using Appliance.Core.Net;
using Appliance.Dns.RateLimit;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Dns.Tests.RateLimit;

public sealed class ClientRateLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    private static ClientAddress Client(string ip) => ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(ip), 5353));

    [Fact]
    public void Check_BurstThenRefill_LimitsAtTheConfiguredRate()
    {
        var limiter = new ClientRateLimiter(new RateLimitOptions { QueriesPerSecond = 10, Burst = 20 }, _time);
        var client = Client("192.0.2.1");
        var now = _time.GetTimestamp();

        var allowed = Enumerable.Range(0, 30).Count(_ => limiter.Check(client, now) == RateDecision.Allow);
        Assert.Equal(20, allowed);

        _time.Advance(TimeSpan.FromSeconds(1));
        now = _time.GetTimestamp();
        allowed = Enumerable.Range(0, 30).Count(_ => limiter.Check(client, now) == RateDecision.Allow);
        Assert.Equal(10, allowed);
    }

    [Fact]
    public void Check_OverLimit_ReportedOncePerMinute()
    {
        var limiter = new ClientRateLimiter(new RateLimitOptions { QueriesPerSecond = 1, Burst = 1 }, _time);
        var client = Client("192.0.2.1");
        var now = _time.GetTimestamp();
        limiter.Check(client, now);

        var decisions = Enumerable.Range(0, 10).Select(_ => limiter.Check(client, now)).ToList();
        Assert.Equal(1, decisions.Count(d => d == RateDecision.LimitAndReport));

        _time.Advance(TimeSpan.FromSeconds(61));
        limiter.Check(client, _time.GetTimestamp());   // refilled token
        Assert.Equal(RateDecision.LimitAndReport, limiter.Check(client, _time.GetTimestamp()));
    }

    [Fact]
    public void Check_OtherClients_HaveTheirOwnBuckets_AndIpv6SharesPer64()
    {
        var limiter = new ClientRateLimiter(new RateLimitOptions { QueriesPerSecond = 1, Burst = 2 }, _time);
        var now = _time.GetTimestamp();
        for (var i = 0; i < 5; i++)
        {
            limiter.Check(Client("192.0.2.1"), now);
        }

        Assert.Equal(RateDecision.Allow, limiter.Check(Client("192.0.2.2"), now));
        Assert.Equal(RateDecision.Allow, limiter.Check(Client("2001:db8::1"), now));
        Assert.Equal(RateDecision.Allow, limiter.Check(Client("2001:db8::2"), now));
        Assert.NotEqual(RateDecision.Allow, limiter.Check(Client("2001:db8::3"), now));   // same /64
    }

    [Fact]
    public void Check_MillionSpoofedSources_NoAllocationAndNewClientsStillServed()
    {
        var limiter = new ClientRateLimiter(new RateLimitOptions { QueriesPerSecond = 1, Burst = 1 }, _time, tableSize: 1024);
        var now = _time.GetTimestamp();
        Span<byte> sockaddr = stackalloc byte[16];
        sockaddr[0] = 2;   // AF_INET, little-endian host order
        Flood(limiter, sockaddr, now, 0);   // first the JIT's tiers settle (on-stack replacement of a hot loop may allocate once)
        var before = GC.GetAllocatedBytesForCurrentThread();
        Flood(limiter, sockaddr, now, 1_000_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);   // the table is fixed: a flood of new sources only recycles slots
        Assert.Equal(RateDecision.Allow, limiter.Check(Client("192.0.2.200"), now));
    }

    private static void Flood(ClientRateLimiter limiter, Span<byte> sockaddr, long now, int first)
    {
        for (var i = first; i < first + 1_000_000; i++)
        {
            BitConverter.TryWriteBytes(sockaddr[4..], i);
            ClientAddress.TryFromSockaddr(sockaddr, out var spoofed);
            limiter.Check(spoofed, now);
        }
    }

    [Fact]
    public void Check_Disabled_AlwaysAllows()
    {
        var limiter = new ClientRateLimiter(new RateLimitOptions { QueriesPerSecond = 0 }, _time);
        Assert.All(Enumerable.Range(0, 10_000), _ => Assert.Equal(RateDecision.Allow, limiter.Check(Client("192.0.2.1"), 0)));
    }
}
