using System.Collections.Concurrent;
using Appliance.Core.Identity;
using Appliance.Core.Net;

namespace Appliance.Radius.Accounting;

/// <summary>Acct-Status-Type (RFC 2866 §5.1).</summary>
public enum AccountingStatus : uint
{
    Start = 1,
    Stop = 2,
    InterimUpdate = 3,
    AccountingOn = 7,
    AccountingOff = 8,
}

/// <summary>
/// IP → user from RADIUS accounting (DESIGN §5 "Identity"): a session is keyed by (NAS, Acct-Session-Id) and holds the
/// user and the address the access point reported (Framed-IP-Address). Start and Interim-Update set it, Stop ends it,
/// Accounting-On/Off from a NAS end all of that NAS's sessions (it rebooted). The policy engine and the packet filter
/// read it on every query and flow: the read is one dictionary lookup, no allocation.
/// </summary>
public sealed class AccountingIdentityMap : IIdentityMap
{
    private readonly ConcurrentDictionary<ClientAddress, ClientIdentity> _byAddress = new();
    private readonly ConcurrentDictionary<(string Nas, string Session), AccountingSession> _sessions = new();
    private readonly Func<string, string?> _groupOf;
    private readonly Lock _lock = new();

    /// <param name="groupOf">The user's group as the policy names it (the user store), or null: placed by subnet.</param>
    public AccountingIdentityMap(Func<string, string?>? groupOf = null) => _groupOf = groupOf ?? (_ => null);

    public int Sessions => _sessions.Count;

    public bool TryResolve(in ClientAddress client, out ClientIdentity identity) => _byAddress.TryGetValue(client.WithoutPort(), out identity);

    /// <summary>The live sessions at this moment (a copy): what the expired-guest sweeper walks.</summary>
    public IReadOnlyList<AccountingSession> Snapshot() => [.. _sessions.Values];

    /// <summary>Applies one accounting record; <paramref name="address"/> and <paramref name="user"/> may be absent (Accounting-On/Off).</summary>
    public void Apply(string nas, AccountingStatus status, string? session, string? user, ClientAddress? address) =>
        Apply(nas, status, session, user, address, null);

    /// <summary>
    /// Ends one session without an Accounting-Stop: the NAS said it has no such session (Disconnect-NAK with
    /// Error-Cause 503, RFC 5176 §3.5), so the Stop was lost and the address must not stay tied to the user.
    /// </summary>
    public void EndSession(string nas, string session)
    {
        lock (_lock)
        {
            End(nas, session);
        }
    }

    /// <summary>As above, keeping the NAS and device details a Disconnect-Request needs (<see cref="AccountingDetails"/>).</summary>
    public void Apply(string nas, AccountingStatus status, string? session, string? user, ClientAddress? address, AccountingDetails? details)
    {
        lock (_lock)   // a session's address and the address's identity change together
        {
            switch (status)
            {
                // A session is kept even before its address is known (Framed-IP-Address often comes only with the first
                // Interim-Update, after DHCP): it can still be ended by a Disconnect-Request. A record without the address
                // keeps the one the session already had.
                case AccountingStatus.Start or AccountingStatus.InterimUpdate when session is not null && user is not null:
                    var key = address?.WithoutPort() ?? (_sessions.TryGetValue((nas, session), out var known) ? known.Address : null);
                    End(nas, session);
                    _sessions[(nas, session)] = new AccountingSession(nas, session, user, key, details);
                    if (key is { } ip)
                    {
                        _byAddress[ip] = new ClientIdentity(user, _groupOf(user));
                    }

                    break;
                case AccountingStatus.Stop when session is not null:
                    End(nas, session);
                    break;
                case AccountingStatus.AccountingOn or AccountingStatus.AccountingOff:
                    foreach (var (nasSession, _) in _sessions.Where(s => s.Key.Nas == nas).ToList())
                    {
                        End(nasSession.Nas, nasSession.Session);
                    }

                    break;
            }
        }
    }

    private void End(string nas, string session)
    {
        if (_sessions.TryRemove((nas, session), out var ended) && ended.Address is { } address
            && _byAddress.TryGetValue(address, out var identity) && identity.User == ended.User)
        {
            _byAddress.TryRemove(address, out _);   // unless another session has taken the address since
        }
    }
}
