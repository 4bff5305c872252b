using System.Collections.Concurrent;
using System.Net;
using Appliance.Radius.Accounting;
using Microsoft.Extensions.Logging;

namespace Appliance.Radius.Dynamic;

/// <summary>How often to look, and how long to wait before asking a NAS again about the same session.</summary>
public sealed record ExpiredGuestSweeperOptions
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>After an ACK the NAS's Accounting-Stop should end the session; if it is still there this long after, ask again.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>What one sweep did (for tests and the health page).</summary>
public sealed record SweepResult(int Expired, int Acked, int Nakked, int Unanswered, int Unaddressable, int Waiting);

/// <summary>
/// Ends the Wi-Fi sessions of guests whose validity has run out (issue 7; reference/radius.md §6: "at guest expiry also
/// send a Disconnect-Request"). Session-Timeout in the Access-Accept already caps a session at the guest's remaining
/// validity, but not every NAS honours it, and an account disabled early has no timeout at all: this sweep covers both.
/// Every <see cref="ExpiredGuestSweeperOptions.Interval"/> it walks the accounting sessions, asks
/// <c>isExpiredGuest</c> about each user (the user store; kept to a delegate so that this does not depend on it), and
/// sends a Disconnect-Request (RFC 5176) to the NAS that reported each such session:
/// <code>
///   expired guest's session ──► Disconnect-Request ──► ACK ──► wait for the NAS's Accounting-Stop (ask again after RetryAfter)
///                                                  ├─► NAK 503 Session-Context-Not-Found ──► end the session here (Stop was lost)
///                                                  └─► other NAK / no answer ──► log; ask again after RetryAfter
/// </code>
/// </summary>
public sealed partial class ExpiredGuestSweeper : IAsyncDisposable
{
    private readonly AccountingIdentityMap _sessions;
    private readonly Func<string, bool> _isExpiredGuest;
    private readonly IDisconnectSender _sender;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ExpiredGuestSweeperOptions _options;
    private readonly ConcurrentDictionary<(string Nas, string Session), DateTimeOffset> _lastAsked = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public ExpiredGuestSweeper(AccountingIdentityMap sessions, Func<string, bool> isExpiredGuest, IDisconnectSender sender, TimeProvider time,
        ILogger logger, ExpiredGuestSweeperOptions? options = null)
    {
        _sessions = sessions;
        _isExpiredGuest = isExpiredGuest;
        _sender = sender;
        _time = time;
        _logger = logger;
        _options = options ?? new ExpiredGuestSweeperOptions();
    }

    /// <summary>Starts sweeping every interval until disposed.</summary>
    public void Start() => _loop ??= Task.Run(LoopAsync);

    /// <summary>One pass over the sessions; Disconnect-Requests to different NASes run side by side.</summary>
    public async Task<SweepResult> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var expired = _sessions.Snapshot().Where(s => _isExpiredGuest(s.User)).ToList();
        var live = expired.Select(s => (s.Nas, s.SessionId)).ToHashSet();
        foreach (var key in _lastAsked.Keys.Where(k => !live.Contains(k)))
        {
            _lastAsked.TryRemove(key, out _);   // the session ended: forget it
        }

        var waiting = 0;
        var unaddressable = 0;
        var sends = new List<Task<DisconnectResult>>();
        var sent = new List<AccountingSession>();
        foreach (var session in expired)
        {
            if (_lastAsked.TryGetValue((session.Nas, session.SessionId), out var asked) && now - asked < _options.RetryAfter)
            {
                waiting++;
                continue;
            }

            if (RequestFor(session) is not { } request)
            {
                unaddressable++;
                Log.Unaddressable(_logger, session.SessionId, session.Nas);
                continue;
            }

            _lastAsked[(session.Nas, session.SessionId)] = now;
            Log.Disconnecting(_logger, session.User, session.SessionId, request.Nas);
            sends.Add(_sender.SendAsync(request, cancellationToken));
            sent.Add(session);
        }

        var results = await Task.WhenAll(sends).ConfigureAwait(false);
        for (var i = 0; i < results.Length; i++)
        {
            if (results[i] is { Outcome: DisconnectOutcome.Nakked, ErrorCause: (uint)DisconnectErrorCause.SessionContextNotFound })
            {
                _sessions.EndSession(sent[i].Nas, sent[i].SessionId);
            }
        }

        return new SweepResult(expired.Count, results.Count(r => r.Outcome == DisconnectOutcome.Acked),
            results.Count(r => r.Outcome == DisconnectOutcome.Nakked), results.Count(r => r.Outcome is DisconnectOutcome.TimedOut or DisconnectOutcome.Failed),
            unaddressable, waiting);
    }

    /// <summary>
    /// Where and what to send for one session: to the address the accounting came from (the NAS, or the controller
    /// that speaks for it), else its NAS-IP-Address, else the client entry's single address; on the client's
    /// Disconnect port, with its secret. Null when the session came without the details (it cannot be addressed).
    /// </summary>
    internal static DisconnectRequest? RequestFor(AccountingSession session)
    {
        if (session.Details is not { } details)
        {
            return null;
        }

        var network = details.Client.Network;
        var address = details.Source ?? details.NasIpAddress
            ?? (network.PrefixLength == network.BaseAddress.GetAddressBytes().Length * 8 ? network.BaseAddress : null);
        return address is null
            ? null
            // The User-Name the NAS itself reported (perhaps the outer identity), not our verified name: the NAS matches
            // the session on what it knows; without one, Acct-Session-Id and Calling-Station-Id identify it (RFC 5176 §3).
            : new DisconnectRequest(new IPEndPoint(address, details.Client.DisconnectPort), details.Client.Secret, session.SessionId, details.ReportedUserName,
                details.CallingStationId, details.NasIpAddress, details.NasIdentifier);
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_options.Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    var result = await SweepOnceAsync(_stop.Token).ConfigureAwait(false);
                    if (result.Expired > 0)
                    {
                        Log.Swept(_logger, result.Expired, result.Acked, result.Nakked, result.Unanswered);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SweepFailed(_logger, ex);   // the loop's boundary: record it and sweep again next time
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 346, Level = LogLevel.Information, Message = "Guest {User} has expired: Disconnect-Request for session {Session} to {Nas}")]
        public static partial void Disconnecting(ILogger logger, string user, string session, IPEndPoint nas);

        [LoggerMessage(EventId = 347, Level = LogLevel.Warning, Message = "Session {Session} on {Nas} belongs to an expired guest but the NAS's address is unknown")]
        public static partial void Unaddressable(ILogger logger, string session, string nas);

        [LoggerMessage(EventId = 348, Level = LogLevel.Information, Message = "Expired-guest sweep: {Expired} sessions, {Acked} ended, {Nakked} refused, {Unanswered} unanswered")]
        public static partial void Swept(ILogger logger, int expired, int acked, int nakked, int unanswered);

        [LoggerMessage(EventId = 349, Level = LogLevel.Error, Message = "Expired-guest sweep failed")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
