using System.Globalization;
using Appliance.Journal;
using Appliance.Journal.Audit;
using Appliance.Journal.Checks;
using Appliance.Journal.Incidents;

namespace Appliance.WebUI.Reports;

/// <summary>One recorded change: who, what, to what, and the detail as the audit log holds it (reason, approver…).</summary>
public sealed record ChangeRow(DateTimeOffset At, string Actor, string Action, string Subject, string Detail);

/// <summary>How many incidents were raised in a month (UTC) and stand in a state now. No names, rooms or panels.</summary>
public sealed record IncidentMonth(string Month, string State, long Incidents);

/// <summary>One kind of check over the period: how often it passed and failed, and the last failure.</summary>
public sealed record CheckTotal(string Check, string Subject, long Passed, long Failed, DateTimeOffset? LastFailure, string? LastProblem);

/// <summary>
/// The governors' report for a period (school-requirements.md §3: "reports", "anonymous details of incidents"):
/// blocks by category and group with their daily trend, the change-control log, incidents by count only, and the
/// checks the box did. Read-only: building it changes nothing.
/// </summary>
public sealed record Report(
    ReportPeriod Period,
    BlockSummary Blocks,
    IReadOnlyList<ChangeRow> Changes,
    bool ChangesCut,
    IReadOnlyList<IncidentMonth> Incidents,
    IReadOnlyList<CheckTotal> Checks);

/// <summary>Gathers a <see cref="Report"/> from the stores; a store the box does not have contributes nothing.</summary>
public static class ReportBuilder
{
    /// <summary>At most this many changes are listed (a busy term has a few dozen); the page says when more were cut.</summary>
    public const int MaxChanges = 500;

    /// <summary>
    /// Audit actions that are changes to how the box filters or who may run it. Incidents and LA commands are audited too,
    /// but not listed here: an incident's audit line names the room, and governors see incidents by count only.
    /// </summary>
    public static readonly IReadOnlyList<string> ChangeActionPrefixes = ["policy.", "config.", "desired.", "firewall.", "account.", "token.", "settings.", "webui.account.", "webui.token."];

    public const string FilteringCheck = "Filtering self-check (a query through the resolver; the DoH canary answered)";
    public const string ListCheck = "Block list refresh";
    public const string PanicTestCheck = "Panic button test raise (passed: delivered)";

    public static Report Build(ReportPeriod period, QueryJournal? journal, AuditLog? audit, IncidentStore? incidents, CheckLog? checks)
    {
        var (from, to) = (period.From, period.To);
        var blocks = BlockSummary.From(journal?.BlockCells(from, to) ?? []);
        var entries = audit?.Between(from, to, 10 * MaxChanges) ?? [];
        var changes = entries.Where(e => ChangeActionPrefixes.Any(p => e.Action.StartsWith(p, StringComparison.Ordinal)))
            .Select(e => new ChangeRow(e.At, e.Actor, e.Action, e.Subject, e.Detail)).ToList();
        var cut = changes.Count > MaxChanges || entries.Count == 10 * MaxChanges;
        var raised = (incidents?.Recent(100_000) ?? []).Where(i => i.RaisedAt >= from && i.RaisedAt < to).ToList();
        return new Report(period, blocks, changes.Count > MaxChanges ? changes[^MaxChanges..] : changes, cut, IncidentMonths(raised),
            CheckTotals(checks?.Days(from, to) ?? [], raised));
    }

    /// <summary>Real incidents (not the weekly test raises) by the month they were raised and the state they are in now.</summary>
    public static IReadOnlyList<IncidentMonth> IncidentMonths(IEnumerable<Incident> raised) =>
        [.. raised.Where(i => !i.Test)
            .GroupBy(i => (Month: i.RaisedAt.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture), i.State))
            .OrderBy(g => g.Key.Month, StringComparer.Ordinal).ThenBy(g => g.Key.State)
            .Select(g => new IncidentMonth(g.Key.Month, g.Key.State.ToString().ToLowerInvariant(), g.LongCount()))];

    /// <summary>The recorded checks summed over the period, and the test raises (a test is a check of the whole alarm chain).</summary>
    public static IReadOnlyList<CheckTotal> CheckTotals(IEnumerable<CheckDay> days, IEnumerable<Incident> raised)
    {
        var totals = days.GroupBy(d => (d.Kind, d.Subject))
            .OrderBy(g => g.Key.Kind, StringComparer.Ordinal).ThenBy(g => g.Key.Subject, StringComparer.Ordinal)
            .Select(g =>
            {
                var lastFailure = g.Where(d => d.LastFailure is not null).MaxBy(d => d.LastFailure);
                return new CheckTotal(CheckName(g.Key.Kind), g.Key.Subject, g.Sum(d => d.Passed), g.Sum(d => d.Failed), lastFailure?.LastFailure, lastFailure?.LastProblem);
            })
            .ToList();
        var tests = raised.Where(i => i.Test).ToList();
        if (tests.Count > 0)
        {
            var undelivered = tests.Where(i => i.DeliveredAt is null).ToList();
            totals.Add(new CheckTotal(PanicTestCheck, "panel", tests.Count - undelivered.Count, undelivered.Count,
                undelivered.Count > 0 ? undelivered.Max(i => i.RaisedAt) : null, undelivered.Count > 0 ? "not delivered" : null));
        }

        return totals;
    }

    private static string CheckName(string kind) => kind switch
    {
        CheckLog.FilteringKind => FilteringCheck,
        CheckLog.ListKind => ListCheck,
        _ => kind,
    };
}
