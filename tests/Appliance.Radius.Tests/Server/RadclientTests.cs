using System.Diagnostics;
using System.Net;
using Appliance.Radius.Clients;
using Appliance.Radius.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Radius.Tests.Server;

/// <summary>
/// The server against FreeRADIUS's own client, radclient (Debian's freeradius-utils), on loopback: PAP accept and
/// reject, Status-Server, accounting, and the drops BlastRADIUS asks for.
/// </summary>
public sealed class RadclientTests : IAsyncLifetime
{
    private const string Secret = "a-long-shared-secret-for-tests";
    private RadiusServer _server = null!;
    private readonly Appliance.Radius.Accounting.AccountingIdentityMap _identities = new(user => user == "alice" ? "pupils" : null);

    public Task InitializeAsync()
    {
        var clients = RadiusClients.Build([new RadiusClientDefinition("loopback", "127.0.0.0/8", Secret)]);
        _server = RadiusServer.Start(new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, 0), new RadiusServices
        {
            Clients = clients,
            Users = Users(),
            Identities = _identities,
            Policy = new AccessPolicy { VlanByGroup = new Dictionary<string, int> { ["pupils"] = 20 }, SessionTimeout = TimeSpan.FromHours(8) },
            Logger = NullLogger.Instance,
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task PAP_with_the_right_password_is_accepted_and_with_a_wrong_one_rejected()
    {
        var accepted = await Radclient("auth", "User-Name = alice, User-Password = \"correct horse\", Message-Authenticator = 0x00");
        Assert.Contains("Received Access-Accept", accepted, StringComparison.Ordinal);

        var rejected = await Radclient("auth", "User-Name = alice, User-Password = wrong, Message-Authenticator = 0x00");
        Assert.Contains("Received Access-Reject", rejected, StringComparison.Ordinal);
        Assert.Equal((1, 1), (_server.Counters.Accepts, _server.Counters.Rejects));
    }

    [Fact]
    public async Task A_PAP_Accept_carries_the_user_their_groups_VLAN_a_Class_and_the_Session_Timeout()
    {
        var accepted = await Radclient("auth", "User-Name = Alice, User-Password = \"correct horse\", Proxy-State = 0x70726f7879, Proxy-State = 0x0102, Message-Authenticator = 0x00");

        Assert.Contains("Received Access-Accept", accepted, StringComparison.Ordinal);
        Assert.Matches(@"Proxy-State = 0x70726f7879\s+Proxy-State = 0x0102", accepted[accepted.IndexOf("Received Access-Accept", StringComparison.Ordinal)..]);   // RFC 2865 §5.33, in order
        Assert.Contains("User-Name = \"alice\"", accepted, StringComparison.Ordinal);   // as stored, not as typed
        Assert.Contains("Tunnel-Type:0 = VLAN", accepted, StringComparison.Ordinal);
        Assert.Contains("Tunnel-Medium-Type:0 = IEEE-802", accepted, StringComparison.Ordinal);
        Assert.Contains("Tunnel-Private-Group-Id:0 = \"20\"", accepted, StringComparison.Ordinal);
        Assert.Contains("Session-Timeout = 28800", accepted, StringComparison.Ordinal);
        Assert.Contains("Class = 0x7367313a616c6963653a", accepted, StringComparison.Ordinal);   // "sg1:alice:" + MAC
        Assert.Contains("Message-Authenticator = 0x", accepted, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interim_Update_gives_a_session_its_address_when_Start_had_none()
    {
        var laptop = Appliance.Core.Net.ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.30"), 0));
        await Login("alice", "correct horse");
        await Radclient("acct", "User-Name = alice, Acct-Status-Type = Start, Acct-Session-Id = s9, NAS-Identifier = hall-ap");
        Assert.False(_identities.TryResolve(laptop, out _));   // DHCP had not answered yet

        await Radclient("acct", "User-Name = alice, Acct-Status-Type = Interim-Update, Acct-Session-Id = s9, Framed-IP-Address = 192.0.2.30, NAS-Identifier = hall-ap");
        Assert.True(_identities.TryResolve(laptop, out var identity));
        Assert.Equal(("alice", "pupils"), (identity.User, identity.Group));
    }

    [Fact]
    public async Task Accounting_names_the_user_of_our_Class_even_when_its_User_Name_is_the_outer_identity()
    {
        var laptop = Appliance.Core.Net.ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.40"), 0));
        var accepted = await Radclient("auth", "User-Name = alice, User-Password = \"correct horse\", Message-Authenticator = 0x00");
        var classValue = System.Text.RegularExpressions.Regex.Match(accepted, "Class = (0x[0-9a-f]+)").Groups[1].Value;

        await Radclient("acct", $"User-Name = \"anonymous@school.test\", Class = {classValue}, Acct-Status-Type = Start, Acct-Session-Id = s10, Framed-IP-Address = 192.0.2.40");
        Assert.True(_identities.TryResolve(laptop, out var identity));
        Assert.Equal("alice", identity.User);

        // A Class we did not sign (forged, or another server's) names nobody, and a User-Name we never let in is not
        // believed: a device claiming to be the head teacher is mapped to no one (placed by its subnet).
        var forgedAddress = Appliance.Core.Net.ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.41"), 0));
        await Radclient("acct", "User-Name = head.teacher, Class = 0x7367313a626f623a3030, Acct-Status-Type = Start, Acct-Session-Id = s11, Framed-IP-Address = 192.0.2.41");
        Assert.False(_identities.TryResolve(forgedAddress, out _));
        Assert.Equal(1, _server.Counters.UnverifiedAccounting);

        // The device we let alice in from is believed without Class (an access point that does not echo it).
        await Radclient("auth", "User-Name = alice, User-Password = \"correct horse\", Calling-Station-Id = \"02-00-00-00-00-07\", Message-Authenticator = 0x00");
        await Radclient("acct", "User-Name = anonymous, Calling-Station-Id = \"02:00:00:00:00:07\", Acct-Status-Type = Start, Acct-Session-Id = s12, Framed-IP-Address = 192.0.2.42");
        Assert.True(_identities.TryResolve(Appliance.Core.Net.ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.42"), 0)), out var byStation));
        Assert.Equal("alice", byStation.User);
    }

    private async Task Login(string user, string password) =>
        Assert.Contains("Received Access-Accept", await Radclient("auth", $"User-Name = {user}, User-Password = \"{password}\", Message-Authenticator = 0x00"), StringComparison.Ordinal);

    [Fact]
    public async Task An_Access_Request_without_Message_Authenticator_is_dropped_BlastRADIUS()
    {
        var output = await Radclient("auth", "User-Name = alice, User-Password = \"correct horse\"");
        Assert.Contains("No reply from server", output, StringComparison.Ordinal);
        Assert.Equal(1, _server.Counters.MissingMessageAuthenticator);
        Assert.Equal(0, _server.Counters.Accepts);
    }

    [Fact]
    public async Task A_request_signed_with_another_secret_is_dropped()
    {
        var output = await Radclient("auth", "User-Name = alice, User-Password = \"correct horse\", Message-Authenticator = 0x00", secret: "not-the-shared-secret-at-all");
        Assert.Contains("No reply from server", output, StringComparison.Ordinal);
        Assert.Equal(1, _server.Counters.BadAuthenticator);
    }

    [Fact]
    public async Task A_request_from_an_address_that_is_no_client_is_dropped()
    {
        var clients = RadiusClients.Build([new RadiusClientDefinition("ap", "192.0.2.0/24", Secret)]);
        await using var elsewhere = RadiusServer.Start(new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, 0),
            new RadiusServices { Clients = clients, Users = Users(), Logger = NullLogger.Instance });
        var output = await Radclient("auth", "User-Name = alice, User-Password = \"correct horse\", Message-Authenticator = 0x00", port: elsewhere.AuthEndPoint.Port);
        Assert.Contains("No reply from server", output, StringComparison.Ordinal);
        Assert.Equal(1, elsewhere.Counters.UnknownClient);
    }

    [Fact]
    public async Task A_user_store_that_throws_drops_that_request_and_the_server_keeps_answering()
    {
        var clients = RadiusClients.Build([new RadiusClientDefinition("loopback", "127.0.0.0/8", Secret)]);
        await using var server = RadiusServer.Start(new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, 0),
            new RadiusServices { Clients = clients, Users = new Throwing(Users()), Logger = NullLogger.Instance });

        // More failing requests than there are workers: each must survive its request's exception.
        for (var i = 0; i < Environment.ProcessorCount + 2; i++)
        {
            var failed = await Radclient("auth", "User-Name = broken, User-Password = whatever, Message-Authenticator = 0x00", port: server.AuthEndPoint.Port);
            Assert.Contains("No reply from server", failed, StringComparison.Ordinal);
        }

        var accepted = await Radclient("auth", "User-Name = alice, User-Password = \"correct horse\", Message-Authenticator = 0x00", port: server.AuthEndPoint.Port);
        Assert.Contains("Received Access-Accept", accepted, StringComparison.Ordinal);
        Assert.Equal(Environment.ProcessorCount + 2, server.Counters.Failed);
    }

    [Fact]
    public async Task Accounting_Start_maps_the_address_to_the_user_Stop_and_Accounting_On_end_it()
    {
        var pupil = Appliance.Core.Net.ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.20"), 0));
        Assert.False(_identities.TryResolve(pupil, out _));
        await Login("alice", "correct horse");
        await Login("bob", "bob's own password");

        await Radclient("acct", "User-Name = alice, Acct-Status-Type = Start, Acct-Session-Id = s1, Framed-IP-Address = 192.0.2.20, NAS-Identifier = hall-ap");
        Assert.True(_identities.TryResolve(pupil, out var identity));
        Assert.Equal(("alice", "pupils"), (identity.User, identity.Group));

        await Radclient("acct", "User-Name = alice, Acct-Status-Type = Stop, Acct-Session-Id = s1, Framed-IP-Address = 192.0.2.20, NAS-Identifier = hall-ap");
        Assert.False(_identities.TryResolve(pupil, out _));

        await Radclient("acct", "User-Name = alice, Acct-Status-Type = Start, Acct-Session-Id = s2, Framed-IP-Address = 192.0.2.20, NAS-Identifier = hall-ap");
        await Radclient("acct", "User-Name = bob, Acct-Status-Type = Start, Acct-Session-Id = s3, Framed-IP-Address = 192.0.2.21, NAS-Identifier = gym-ap");
        await Radclient("acct", "Acct-Status-Type = Accounting-On, NAS-Identifier = hall-ap");   // the hall AP rebooted
        Assert.False(_identities.TryResolve(pupil, out _));
        Assert.True(_identities.TryResolve(Appliance.Core.Net.ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.21"), 0)), out var bob));
        Assert.Equal("bob", bob.User);
    }

    [Fact]
    public async Task Status_Server_and_accounting_are_answered()
    {
        Assert.Contains("Received Access-Accept", await Radclient("status", "Message-Authenticator = 0x00"), StringComparison.Ordinal);
        var accounting = await Radclient("acct", "User-Name = alice, Acct-Status-Type = Start, Acct-Session-Id = s1, Framed-IP-Address = 192.0.2.20, Proxy-State = 0x0a0b");
        Assert.Contains("Proxy-State = 0x0a0b", accounting[accounting.IndexOf("Received Accounting-Response", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.True(accounting.Contains("Received Accounting-Response", StringComparison.Ordinal), accounting + $" counters: bad {_server.Counters.BadAuthenticator} malformed {_server.Counters.Malformed} requests {_server.Counters.Requests}");
        Assert.Equal(1, _server.Counters.Accounting);
    }

    private async Task<string> Radclient(string command, string attributes, string secret = Secret, int? port = null)
    {
        port ??= command == "acct" ? _server.AccountingEndPoint.Port : _server.AuthEndPoint.Port;
        var start = new ProcessStartInfo("radclient")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-x", "-r", "1", "-t", "2", $"127.0.0.1:{port}", command, secret })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteLineAsync(attributes);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return await stdout + await stderr;
    }

    // A store whose disk has failed for one user (UserStoreException from SQLite, say).
    private sealed class Throwing(TestDirectory inner) : Appliance.Radius.Users.IUserDirectory
    {
        public Appliance.Radius.Users.CredentialCheck CheckPassword(string userName, ReadOnlySpan<byte> password) =>
            userName == "broken" ? throw new IOException("disk full") : inner.CheckPassword(userName, password);

        public Appliance.Radius.Users.CredentialCheck CheckNtHash(string userName, Appliance.Radius.Users.NtHashCheck check) => inner.CheckNtHash(userName, check);

        public string? GroupOf(string userName) => inner.GroupOf(userName);
    }

    private static TestDirectory Users() => new TestDirectory().Add("alice", "correct horse", "pupils", Appliance.Radius.Users.UserKind.Pupil)
        .Add("bob", "bob's own password", "staff");
}
