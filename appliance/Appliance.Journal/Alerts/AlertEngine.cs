using Appliance.Core.Events;
using Appliance.Core.Net;
using Appliance.Protocols.Dns;

namespace Appliance.Journal.Alerts;

/// <summary>
/// Turns query events into DSL alerts by the rules, with a rate limit per (client, rule): at most
/// <c>maxPerHour</c> alerts an hour, so one pupil retrying a blocked page cannot flood the DSL; what is held back is
/// counted and reported with the next alert that goes through. Runs on the event drain's thread; memory is bounded
/// (idle limiters are dropped after an hour, and at most <see cref="MaxTracked"/> are kept).
/// </summary>
public sealed class AlertEngine
{
    public const int MaxTracked = 65_536;
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private readonly IReadOnlyList<AlertRule> _rules;
    private readonly ulong _anyRule;
    private readonly int _maxPerHour;
    private readonly Dictionary<(ClientAddress Client, int Rule), Limiter> _limiters = [];
    private DateTimeOffset _lastSweep;

    public AlertEngine(IReadOnlyList<AlertRule> rules, int maxPerHour)
    {
        _rules = rules;
        _maxPerHour = Math.Max(1, maxPerHour);
        foreach (var rule in rules)
        {
            _anyRule |= rule.Categories;
        }
    }

    public IReadOnlyList<AlertRule> Rules => _rules;

    /// <summary>Alerts raised and held back since start.</summary>
    public long Raised { get; private set; }

    public long Suppressed { get; private set; }

    /// <summary>The alerts this batch raises (ids 0: the store gives them).</summary>
    public List<Alert> Evaluate(ReadOnlySpan<QueryEvent> batch, Func<byte, string> groupName)
    {
        var alerts = new List<Alert>();
        foreach (ref readonly var e in batch)
        {
            if ((e.Categories & _anyRule) == 0)
            {
                continue;   // the common case: one AND per event
            }

            var blocked = (e.Flags & QueryEventFlags.Blocked) != 0;
            for (var r = 0; r < _rules.Count; r++)
            {
                var rule = _rules[r];
                if ((e.Categories & rule.Categories) == 0 || (rule.BlockedOnly && !blocked))
                {
                    continue;
                }

                if (Admit(e.Client.WithoutPort(), r, e.Time, out var heldBack))
                {
                    Raised++;
                    alerts.Add(new Alert(0, e.Time, rule.Name, rule.Severity, e.Client.ToIPAddress().ToString(), null, groupName(e.Group),
                        DnsName.ToSearchText(e.WireName), e.Categories, (int)e.Reason, blocked, heldBack));
                }
                else
                {
                    Suppressed++;
                }
            }
        }

        Sweep(batch.IsEmpty ? _lastSweep : batch[^1].Time);
        return alerts;
    }

    // A token bucket per (client, rule): maxPerHour tokens, refilled evenly over the hour.
    private bool Admit(ClientAddress client, int rule, DateTimeOffset now, out int heldBack)
    {
        var key = (client, rule);
        if (!_limiters.TryGetValue(key, out var limiter))
        {
            if (_limiters.Count >= MaxTracked)
            {
                Sweep(now, force: true);
                if (_limiters.Count >= MaxTracked)
                {
                    // Still full (a flood of distinct devices within the hour): start afresh rather than grow. Each
                    // device then gets a fresh allowance — more alerts, never fewer, and never unbounded memory.
                    _limiters.Clear();
                }
            }

            limiter = new Limiter { Tokens = _maxPerHour, Updated = now };
            _limiters[key] = limiter;
        }

        var refill = (now - limiter.Updated).TotalHours * _maxPerHour;
        limiter.Tokens = Math.Min(_maxPerHour, limiter.Tokens + Math.Max(0, refill));
        limiter.Updated = now;
        if (limiter.Tokens >= 1)
        {
            limiter.Tokens -= 1;
            heldBack = limiter.HeldBack;
            limiter.HeldBack = 0;
            return true;
        }

        limiter.HeldBack++;
        heldBack = 0;
        return false;
    }

    private void Sweep(DateTimeOffset now, bool force = false)
    {
        if (!force && now - _lastSweep < TimeSpan.FromMinutes(5))
        {
            return;
        }

        _lastSweep = now;
        foreach (var (key, limiter) in _limiters)
        {
            // A limiter idle for an hour is full again: forgetting it changes nothing, except a held-back count no
            // later alert carried — kept while there is room, dropped when the table is full.
            if (now - limiter.Updated >= Window && (limiter.HeldBack == 0 || force))
            {
                _limiters.Remove(key);
            }
        }
    }

    private sealed class Limiter
    {
        public double Tokens { get; set; }

        public DateTimeOffset Updated { get; set; }

        public int HeldBack { get; set; }
    }
}
