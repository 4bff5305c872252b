using System.Diagnostics;
using System.Net;
using Appliance.Radius.Clients;
using Appliance.Radius.Eap;
using Appliance.Radius.Server;
using Appliance.Radius.Tests.Tls;
using Appliance.Radius.Tls;
using Appliance.Radius.Users;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Radius.Tests.Eap;

/// <summary>
/// Logins by hostapd's <c>eapol_test</c> (Debian's eapoltest), the supplicant FreeRADIUS's own CI uses: it runs the whole
/// 802.1X conversation against the server on loopback and exits 0 only on EAP-Success with MS-MPPE keys equal to the MSK
/// it derived itself (radius.md §4) — the check an access point makes by dropping the station when they differ.
/// </summary>
public sealed class EapolTestTests : IAsyncLifetime
{
    private const string Secret = "a-long-shared-secret-for-tests";
    private readonly TunnelCertificateFiles _certificates = new();
    private readonly Users.UserStoreFixture _store = new();
    private UserStore _users = null!;
    private string _guestPassword = "";
    private EapTlsContext _tls = null!;
    private RadiusServer _server = null!;

    // The real user store (SQLite, PBKDF2, the sealed NT hash): a pupil, a disabled account, a guest whose validity has
    // run out, and an account locked out by failures — each refused by the store itself, not by a test double.
    public Task InitializeAsync()
    {
        _users = _store.Open();
        _users.Add(Users.UserStoreFixture.Pupil("alice", 8), "correct horse battery", "test");
        _users.Add(Users.UserStoreFixture.Staff("old.account"), "still-the-password", "test");
        _users.SetEnabled("old.account", false, "test");
        _guestPassword = _users.AddGuest(_store.Guest("guest-7", TimeSpan.FromHours(1)), "reception").Password;
        _store.Time.Advance(TimeSpan.FromHours(2));   // the guest's hour is over
        _users.Add(Users.UserStoreFixture.Staff("locked.out"), "the-right-password", "test");
        for (var i = 0; i < _store.Options.Lockout.MaxFailures; i++)
        {
            _users.CheckPassword("locked.out", "a-wrong-guess"u8);   // locked for the next 15 minutes of the fake clock
        }

        _tls = EapTlsContext.Load(_certificates.ChainPath, _certificates.KeyPath);
        _server = RadiusServer.Start(new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, 0), new RadiusServices
        {
            Clients = RadiusClients.Build([new RadiusClientDefinition("loopback", "127.0.0.0/8", Secret)]),
            Users = _users,
            Eap = new EapServer(_tls, _users, _store.Time),
            Policy = new AccessPolicy { VlanByGroup = new Dictionary<string, int> { ["pupils"] = 20 } },
            Logger = NullLogger.Instance,
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _tls.Dispose();
        _users.Dispose();
        _store.Dispose();
        _certificates.Dispose();
    }

    [Theory]
    [InlineData("PEAP", "auth=MSCHAPV2")]
    [InlineData("TTLS", "auth=PAP")]
    [InlineData("TTLS", "auth=MSCHAPV2")]
    public async Task Login_succeeds_with_matching_MPPE_keys(string method, string phase2)
    {
        var (exit, output) = await EapolTest(method, phase2, "alice", "correct horse battery");

        Assert.True(exit == 0, output);
        Assert.Contains("MPPE keys OK: 1  mismatch: 0", output, StringComparison.Ordinal);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
        Assert.Equal(1, _server.Counters.Accepts);
        Assert.Equal(0, _server.Counters.Rejects);
    }

    [Theory]
    [InlineData("PEAP", "auth=MSCHAPV2", "alice", "wrong password")]
    [InlineData("TTLS", "auth=PAP", "alice", "wrong password")]
    [InlineData("TTLS", "auth=MSCHAPV2", "alice", "wrong password")]
    [InlineData("PEAP", "auth=MSCHAPV2", "old.account", "still-the-password")]
    [InlineData("TTLS", "auth=PAP", "old.account", "still-the-password")]
    [InlineData("TTLS", "auth=PAP", "guest-7", "(the voucher's)")]
    [InlineData("PEAP", "auth=MSCHAPV2", "guest-7", "(the voucher's)")]
    [InlineData("PEAP", "auth=MSCHAPV2", "locked.out", "the-right-password")]
    [InlineData("PEAP", "auth=MSCHAPV2", "nobody", "whatever-it-is")]
    [InlineData("TTLS", "auth=PAP", "nobody", "whatever-it-is")]
    public async Task Login_fails_for_a_wrong_password_a_disabled_user_an_expired_guest_a_locked_account_and_an_unknown_user(string method, string phase2, string user, string password)
    {
        var (exit, output) = await EapolTest(method, phase2, user, password == "(the voucher's)" ? _guestPassword : password);

        Assert.NotEqual(0, exit);
        Assert.Contains("FAILURE", output, StringComparison.Ordinal);
        Assert.Equal(0, _server.Counters.Accepts);
        Assert.Equal(1, _server.Counters.Rejects);
    }

    [Fact]
    public async Task A_peer_that_fragments_its_messages_is_reassembled_and_acknowledged()
    {
        // fragment_size=100 makes eapol_test split its ClientKeyExchange/Finished flight and its inner messages into
        // 100-octet EAP-TLS fragments with L and M set (RFC 5216 §2.1.5); each needs our empty acknowledgement.
        var (exit, output) = await EapolTest("PEAP", "auth=MSCHAPV2", "alice", "correct horse battery", "fragment_size=100");

        Assert.True(exit == 0, output);
        Assert.Contains("MPPE keys OK: 1  mismatch: 0", output, StringComparison.Ordinal);
        Assert.Contains("SSL: sending 100 bytes, more fragments will follow", output, StringComparison.Ordinal);
        Assert.Contains("SSL: Received packet(len=6) - Flags 0x00", output, StringComparison.Ordinal);   // our acknowledgement
    }

    [Fact]
    public async Task The_Accept_names_the_inner_user_not_the_outer_identity_and_carries_the_groups_VLAN()
    {
        var (exit, output) = await EapolTest("TTLS", "auth=PAP", "alice", "correct horse battery");

        Assert.True(exit == 0, output);
        var accept = output[output.LastIndexOf("code=2 (Access-Accept)", StringComparison.Ordinal)..];
        Assert.Matches(@"Attribute 80 \(Message-Authenticator\)[^\n]*\n[^\n]*\n\s+Attribute 79 \(EAP-Message\)", accept);   // first
        Assert.Matches(@"Attribute 1 \(User-Name\) length=7\s+Value: 'alice'", accept);
        Assert.Matches(@"Attribute 25 \(Class\) length=\d+\s+Value: 7367313a616c6963653a", accept);   // "sg1:alice:" + MAC
        Assert.Matches(@"Attribute 64 \(Tunnel-Type\) length=6\s+Value: 0000000d", accept);          // VLAN (13)
        Assert.Matches(@"Attribute 65 \(Tunnel-Medium-Type\) length=6\s+Value: 00000006", accept);   // IEEE-802
        Assert.Matches(@"Attribute 81 \(Tunnel-Private-Group-Id\) length=4\s+Value: 3230", accept);  // "20"
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(accept[..accept.IndexOf("STA ", StringComparison.Ordinal)], @"Attribute 26 \(Vendor-Specific\) length=58\s+Value: 00000137"));   // both MPPE keys
    }

    private async Task<(int Exit, string Output)> EapolTest(string method, string phase2, string identity, string password, string extra = "")
    {
        var config = Path.Combine(_certificates.Directory, $"{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, $$"""
            network={
              ssid="school"
              key_mgmt=WPA-EAP
              eap={{method}}
              identity="{{identity}}"
              anonymous_identity="anonymous@school.test"
              password="{{password}}"
              ca_cert="{{_certificates.CaPath}}"
              phase2="{{phase2}}"
              {{extra}}
            }
            """);
        var start = new ProcessStartInfo("eapol_test") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", config, "-a", "127.0.0.1", "-p", _server.AuthEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-s", Secret, "-r", "0", "-t", "10" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
