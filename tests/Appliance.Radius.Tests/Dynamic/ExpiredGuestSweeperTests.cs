using System.Collections.Concurrent;
using System.Net;
using Appliance.Core.Net;
using Appliance.Radius.Accounting;
using Appliance.Radius.Clients;
using Appliance.Radius.Dynamic;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Radius.Tests.Dynamic;

public sealed class ExpiredGuestSweeperTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 9, 1, 16, 0, 0, TimeSpan.Zero));
    private readonly AccountingIdentityMap _map = new();
    private readonly RecordingSender _sender = new();
    private readonly RadiusClient _ap = RadiusClients.Build([new RadiusClientDefinition("hall-ap", "192.0.2.10", FakeNas.Secret, DisconnectPort: 13799)]).All[0];
    private readonly RadiusClient _controllers = RadiusClients.Build([new RadiusClientDefinition("controllers", "198.51.100.0/24", FakeNas.Secret)]).All[0];

    private ExpiredGuestSweeper Sweeper() => new(_map, user => user.StartsWith("guest", StringComparison.Ordinal), _sender, _time, NullLogger.Instance);

    private void Start(string session, string user, string ip, AccountingDetails? details) =>
        _map.Apply("hall-ap", AccountingStatus.Start, session, user, ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(ip), 0)), details);

    [Fact]
    public async Task SweepOnce_OnlyExpiredGuests_AreSentADisconnectAddressedToTheirNas()
    {
        // The NAS reported the outer identity; the Disconnect must carry that, not our verified name, for the NAS to match it.
        Start("s1", "guest-0042", "192.0.2.50", new AccountingDetails(_ap, IPAddress.Parse("192.0.2.10"), IPAddress.Parse("192.0.2.10"), "hall-ap", "92-E2-00-EF-97-34",
            "anonymous@visitors"));
        Start("s2", "alice", "192.0.2.51", new AccountingDetails(_ap, IPAddress.Parse("192.0.2.10"), null, null, "AA-BB-CC-DD-EE-FF"));
        await using var sweeper = Sweeper();

        var result = await sweeper.SweepOnceAsync(CancellationToken.None);

        Assert.Equal(new SweepResult(1, 1, 0, 0, 0, 0), result);
        var request = Assert.Single(_sender.Sent);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 13799), request.Nas);
        Assert.Equal(("s1", "anonymous@visitors", "92-E2-00-EF-97-34", "hall-ap"), (request.AcctSessionId, request.UserName, request.CallingStationId, request.NasIdentifier));
        Assert.Equal(IPAddress.Parse("192.0.2.10"), request.NasIpAddress);
        Assert.Equal(_ap.Secret, request.Secret.ToArray());
    }

    [Fact]
    public async Task SweepOnce_AfterAnAck_AsksAgainOnlyAfterRetryAfter()
    {
        Start("s1", "guest-0042", "192.0.2.50", new AccountingDetails(_ap, IPAddress.Parse("192.0.2.10"), null, null, null));
        await using var sweeper = Sweeper();
        await sweeper.SweepOnceAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(new SweepResult(1, 0, 0, 0, 0, 1), await sweeper.SweepOnceAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(new SweepResult(1, 1, 0, 0, 0, 0), await sweeper.SweepOnceAsync(CancellationToken.None));
        Assert.Equal(2, _sender.Sent.Count);
    }

    [Fact]
    public async Task SweepOnce_NakSessionContextNotFound_EndsTheSessionHere()
    {
        Start("s1", "guest-0042", "192.0.2.50", new AccountingDetails(_ap, IPAddress.Parse("192.0.2.10"), null, null, null));
        _sender.Answer = new DisconnectResult(DisconnectOutcome.Nakked, 1, (uint)DisconnectErrorCause.SessionContextNotFound);
        await using var sweeper = Sweeper();

        Assert.Equal(new SweepResult(1, 0, 1, 0, 0, 0), await sweeper.SweepOnceAsync(CancellationToken.None));
        Assert.Empty(_map.Snapshot());
        Assert.False(_map.TryResolve(ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.50"), 0)), out _));
    }

    [Fact]
    public async Task SweepOnce_NoAnswer_KeepsTheSessionAndCountsIt()
    {
        Start("s1", "guest-0042", "192.0.2.50", new AccountingDetails(_ap, IPAddress.Parse("192.0.2.10"), null, null, null));
        _sender.Answer = new DisconnectResult(DisconnectOutcome.TimedOut, 4);
        await using var sweeper = Sweeper();

        Assert.Equal(new SweepResult(1, 0, 0, 1, 0, 0), await sweeper.SweepOnceAsync(CancellationToken.None));
        Assert.Single(_map.Snapshot());
    }

    [Fact]
    public async Task SweepOnce_SessionWithoutAnyNasAddress_IsUnaddressable()
    {
        Start("s1", "guest-0001", "192.0.2.50", null);   // recorded by a caller that kept no details
        Start("s2", "guest-0002", "192.0.2.51", new AccountingDetails(_controllers, null, null, "gym-ap", null));   // a subnet, no source or NAS-IP
        await using var sweeper = Sweeper();

        Assert.Equal(new SweepResult(2, 0, 0, 0, 2, 0), await sweeper.SweepOnceAsync(CancellationToken.None));
        Assert.Empty(_sender.Sent);
    }

    [Fact]
    public async Task Start_SweepsEveryInterval()
    {
        Start("s1", "guest-0042", "192.0.2.50", new AccountingDetails(_ap, IPAddress.Parse("192.0.2.10"), null, null, null));
        await using var sweeper = Sweeper();
        sweeper.Start();

        await Appliance.TestSupport.Eventually.True(() =>
        {
            _time.Advance(TimeSpan.FromSeconds(10));   // the loop may not have started its timer yet: keep the clock moving
            return !_sender.Sent.IsEmpty;
        }, TimeSpan.FromSeconds(5), () => "no Disconnect-Request sent by the timer");
        Assert.True(_time.GetUtcNow() - new DateTimeOffset(2026, 9, 1, 16, 0, 0, TimeSpan.Zero) >= TimeSpan.FromMinutes(1));
    }

    private sealed class RecordingSender : IDisconnectSender
    {
        public ConcurrentQueue<DisconnectRequest> Sent { get; } = new();

        public DisconnectResult Answer { get; set; } = new(DisconnectOutcome.Acked, 1);

        public Task<DisconnectResult> SendAsync(DisconnectRequest request, CancellationToken cancellationToken)
        {
            Sent.Enqueue(request);
            return Task.FromResult(Answer);
        }
    }
}
