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
    private readonly ConcurrentDictionary<(string Nas, string Session), DateTimeOffset> _updated = new();
    private readonly Func<string, string?> _groupOf;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private DateTimeOffset _lastExpiry;

    /// <param name="groupOf">The user's group as the policy names it (the user store), or null: placed by subnet.</param>
    /// <param name="time">The clock for <see cref="SessionLifetime"/>.</param>
    public AccountingIdentityMap(Func<string, string?>? groupOf = null, TimeProvider? time = null)
    {
        _groupOf = groupOf ?? (_ => null);
        _time = time ?? TimeProvider.System;
        _lastExpiry = _time.GetUtcNow();
    }

    /// <summary>
    /// A session with no accounting record for this long is forgotten (a lost Stop must not leave an address tied to a
    /// user when DHCP gives it to someone else). The Access-Accept asks for an Interim-Update every
    /// <see cref="InterimInterval"/>, so a live session is refreshed several times within it.
    /// </summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromMinutes(35);

    /// <summary>The Acct-Interim-Interval an Access-Accept asks for (RFC 2869 §5.16; at least 60 s).</summary>
    public static readonly TimeSpan InterimInterval = TimeSpan.FromMinutes(10);

    public int Sessions => _sessions.Count;

    public bool TryResolve(in ClientAddress client, out ClientIdentity identity) => _byAddress.TryGetValue(client.WithoutPort(), out identity);

    /// <summary>The live sessions at this moment (a copy): what the expired-guest sweeper walks, every minute.</summary>
    public IReadOnlyList<AccountingSession> Snapshot()
    {
        lock (_lock)
        {
            ExpireStale();   // so sessions end on time even when no accounting arrives
            return [.. _sessions.Values];
        }
    }

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
            ExpireStale();
            switch (status)
            {
                // A session is kept even before its address is known (Framed-IP-Address often comes only with the first
                // Interim-Update, after DHCP): it can still be ended by a Disconnect-Request. A record without the address
                // keeps the one the session already had.
                case AccountingStatus.Start or AccountingStatus.InterimUpdate when session is not null && user is not null:
                    var key = address?.WithoutPort() ?? (_sessions.TryGetValue((nas, session), out var known) ? known.Address : null);
                    End(nas, session);
                    _sessions[(nas, session)] = new AccountingSession(nas, session, user, key, details);
                    _updated[(nas, session)] = _time.GetUtcNow();
                    if (key is { } ip)
                    {
                        _byAddress[ip] = new ClientIdentity(user, _groupOf(user));
                    }

                    break;

                // A session whose user could not be verified (no Class of ours, no login of theirs seen): the address
                // belongs to nobody we know now, so whoever had it before must not keep it.
                case AccountingStatus.Start or AccountingStatus.InterimUpdate when session is not null:
                    End(nas, session);
                    if (address is { } unknown)
                    {
                        _byAddress.TryRemove(unknown.WithoutPort(), out _);
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

    // At most once a minute, under the lock: sessions not refreshed within SessionLifetime end as if stopped.
    private void ExpireStale()
    {
        var now = _time.GetUtcNow();
        if (now - _lastExpiry < TimeSpan.FromMinutes(1))
        {
            return;
        }

        _lastExpiry = now;
        foreach (var (key, updated) in _updated)
        {
            if (now - updated > SessionLifetime)
            {
                End(key.Nas, key.Session);
            }
        }
    }

    private void End(string nas, string session)
    {
        _updated.TryRemove((nas, session), out _);
        if (_sessions.TryRemove((nas, session), out var ended) && ended.Address is { } address
            && _byAddress.TryGetValue(address, out var identity) && identity.User == ended.User)
        {
            _byAddress.TryRemove(address, out _);   // unless another session has taken the address since
        }
    }
}
