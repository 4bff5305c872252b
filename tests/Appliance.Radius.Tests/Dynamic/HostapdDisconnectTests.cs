using System.Net;
using System.Text;
using Appliance.Radius.Accounting;
using Appliance.Radius.Clients;
using Appliance.Radius.Dynamic;
using Appliance.Radius.Server;
using Appliance.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Radius.Tests.Dynamic;

/// <summary>
/// Disconnect-Requests to a real NAS: hostapd 2.10's RADIUS DAS (wired 802.1X) in network namespaces the test makes.
/// hostapd checks the Request Authenticator and (radius_das_require_message_authenticator=1) the Message-Authenticator
/// before it looks for a session, and signs its replies, which the client verifies: any NAK or ACK proves the wire format.
/// </summary>
public sealed class HostapdDisconnectTests : IDisposable
{
    private readonly HostapdNas _nas = new();

    public void Dispose() => _nas.Dispose();

    private DisconnectClient Client(DisconnectClientOptions? options = null) =>
        new(options ?? new DisconnectClientOptions { InitialTimeout = TimeSpan.FromSeconds(1), MaxAttempts = 3 }, TimeProvider.System,
            NullLogger.Instance, _nas.CreateSocket);

    private DisconnectRequest Request(string secret = HostapdNas.Secret, string nasIdentifier = HostapdNas.NasIdentifier) =>
        new(_nas.DasEndPoint, Encoding.UTF8.GetBytes(secret), "0123456789ABCDEF", "guest1", "02-00-00-00-00-01", IPAddress.Loopback, nasIdentifier);

    [Fact]
    public async Task Disconnect_NoSuchSession_HostapdAnswersNakSessionContextNotFound()
    {
        await _nas.StartNasAsync();

        var result = await Client().SendAsync(Request(), CancellationToken.None);

        Assert.True(result == new DisconnectResult(DisconnectOutcome.Nakked, 1, (uint)DisconnectErrorCause.SessionContextNotFound), $"{result}\n{_nas.Logs()}");
        await _nas.NasLoggedAsync("RADIUS DAS: No matching session found");
    }

    [Fact]
    public async Task Disconnect_AnotherNasIdentifier_HostapdAnswersNakNasIdentificationMismatch()
    {
        await _nas.StartNasAsync();

        var result = await Client().SendAsync(Request(nasIdentifier: "gym-ap"), CancellationToken.None);

        Assert.True(result == new DisconnectResult(DisconnectOutcome.Nakked, 1, (uint)DisconnectErrorCause.NasIdentificationMismatch), $"{result}\n{_nas.Logs()}");
    }

    [Fact]
    public async Task Disconnect_WrongSecret_HostapdDropsItAndTheClientTimesOut()
    {
        await _nas.StartNasAsync();

        var options = new DisconnectClientOptions { InitialTimeout = TimeSpan.FromMilliseconds(300), MaxAttempts = 2 };
        var result = await Client(options).SendAsync(Request(secret: "not-the-secret-hostapd-knows"), CancellationToken.None);

        Assert.Equal(new DisconnectResult(DisconnectOutcome.TimedOut, 2), result);
        await _nas.NasLoggedAsync("DAS: Invalid authenticator or Message-Authenticator");
    }

    [Fact]
    public async Task ExpiredGuestSweeper_GuestAuthenticatedThroughHostapd_IsDisconnectedAndItsAccountingStops()
    {
        var identities = new AccountingIdentityMap();
        var clients = RadiusClients.Build([new RadiusClientDefinition("hall-ap", "127.0.0.1", HostapdNas.Secret)]);
        // hostapd's own EAP server authenticates the guest here, so our server never saw the login that accounting is
        // believed against (RecentLogins): record it as if it had.
        var logins = new RecentLogins(TimeProvider.System);
        logins.Record("hall-ap", HostapdNas.SupplicantMac, HostapdNas.GuestName);
        await using var server = _nas.Nas.Enter(() => RadiusServer.Start(new IPEndPoint(IPAddress.Loopback, 11812),
            new IPEndPoint(IPAddress.Loopback, HostapdNas.AccountingPort),
            new RadiusServices { Clients = clients, Users = new TestDirectory(), Identities = identities, Logins = logins, Logger = NullLogger.Instance }));
        await _nas.StartNasAsync();
        await _nas.ConnectSupplicantAsync();
        await Eventually.True(() => identities.Snapshot().Any(s => s.User == HostapdNas.GuestName), TimeSpan.FromSeconds(10), _nas.Logs);
        var session = identities.Snapshot().Single(s => s.User == HostapdNas.GuestName);
        Assert.Equal(IPAddress.Loopback, session.Details!.Source);
        Assert.Equal(HostapdNas.NasIdentifier, session.Details.NasIdentifier);
        Assert.NotNull(session.Details.CallingStationId);

        await using var sweeper = new ExpiredGuestSweeper(identities, user => user == HostapdNas.GuestName, Client(), TimeProvider.System, NullLogger.Instance);
        var result = await sweeper.SweepOnceAsync(CancellationToken.None);

        Assert.True(result.Acked == 1, $"{result}\n{_nas.Logs()}");
        await _nas.NasLoggedAsync("RADIUS DAS: Found a matching session");
        await Eventually.True(() => identities.Snapshot().All(s => s.SessionId != session.SessionId), TimeSpan.FromSeconds(10),
            () => "hostapd's Accounting-Stop did not end the session\n" + _nas.Logs());
    }
}
