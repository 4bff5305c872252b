using Appliance.Core.Events;
using Appliance.Hardware.Leds;
using Appliance.Host.Configuration;
using Appliance.Journal;
using Appliance.Journal.Alerts;
using Appliance.Journal.Audit;
using Appliance.Journal.Incidents;

namespace Appliance.Host.Hosting;

/// <summary>
/// Safeguarding incidents from the panic button: a raise is committed (<c>synchronous=FULL</c>) before the panel
/// confirms it, its evidence sealed and chained into the audit log, the DSL told by e-mail and the LA through the
/// incident lane; no acknowledgement within <see cref="PanelSettings.EscalateAfter"/> escalates; the panel shows
/// "not delivered" while neither the LA nor the mail server has it, so the teacher knows to use the fallback.
/// Every change is audited. Changes made by another process (the CLI) are forwarded by the loop here.
/// </summary>
public sealed partial class IncidentService : BackgroundService
{
    private static readonly TimeSpan TickEvery = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private readonly IncidentStore _store;
    private readonly QueryJournal _journal;
    private readonly AuditLog _audit;
    private readonly AlertStore _alerts;
    private readonly FleetService? _fleet;
    private readonly PanelSettings _panel;
    private readonly string _evidenceDir;
    private readonly TimeProvider _time;
    private readonly ILogger<IncidentService> _logger;
    private readonly Appliance.Core.Incidents.IRecentPackets? _capture;

    public IncidentService(IncidentStore store, QueryJournal journal, AuditLog audit, AlertStore alerts, ApplianceSettings settings, TimeProvider time,
        ILogger<IncidentService> logger, FleetService? fleet = null, Appliance.Core.Incidents.IRecentPackets? capture = null)
    {
        _capture = capture;
        _store = store;
        _journal = journal;
        _audit = audit;
        _alerts = alerts;
        _fleet = fleet;
        _panel = settings.Panel;
        _evidenceDir = Path.Combine(settings.DataDir, "evidence");
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised after any change this process made (the panel refreshes at once instead of at its next look).</summary>
    public event Action? Changed;

    public IncidentStore Store => _store;

    /// <summary>A raise from the panel (or the web UI later). Returns the open incident when one is already raised (a second press).</summary>
    /// <exception cref="JournalException">Not stored (full disk): the panel must not confirm it.</exception>
    public Incident Raise(string raisedBy)
    {
        Incident incident;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_store.Latest() is { State: IncidentState.Raised } open && open.Panel == _panel.Id)
            {
                Record(raisedBy, "incident.pressed-again", open, ("panel", open.Panel));
                return open;
            }

            var test = _store.TestModeUntil is { } until && until > now;
            incident = _store.Raise(now, _panel.Id, _panel.Room, raisedBy, test);
            Log.Raised(_logger, incident.Id, test ? " TEST" : "", _panel.Room, _panel.Id);
            Record(raisedBy, "incident.raised", incident, ("panel", incident.Panel), ("room", incident.Room), ("test", test ? true : null));
            incident = Tell(incident, now, "panic-button", RaiseText(incident));
        }

        // Told first (the LED confirms, the LA and the DSL have it), sealed after: gathering the evidence reads the
        // journal and writes files, and must not hold up the raise or an acknowledgement meanwhile. Sealed whatever
        // the telling did (the loop forwards again; the evidence is only gathered now).
        try
        {
            Forward();
            Changed?.Invoke();
        }
        finally
        {
            incident = Seal(incident, _time.GetUtcNow());
        }

        return incident;
    }

    private static string RaiseText(Incident i) => $"{(i.Test ? "TEST " : "")}incident #{i.Id} raised in {i.Room} ({i.Panel}) by {i.RaisedBy}";

    /// <summary>A cancel counts only this soon after the raise (the 10 s window and the 3 s hold, with a margin).</summary>
    public static readonly TimeSpan CancelWithin = TimeSpan.FromSeconds(15);

    /// <summary>The teacher cancelled the raise (within the cancel window): logged, and sent on too.</summary>
    public Incident? Cancel(string by)
    {
        Incident? cancelled = null;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            // Only the raise just made: a second press on an older open incident must not let a hold cancel that one.
            if (_store.Latest() is { State: IncidentState.Raised } open && now - open.RaisedAt <= CancelWithin
                && _store.SetState(open.Id, IncidentState.Cancelled, by, now))
            {
                cancelled = _store.Get(open.Id)!;
                Log.Cancelled(_logger, open.Id);
                Record(by, "incident.cancelled", cancelled);
                Tell(cancelled, now, "panic-button-cancelled", $"incident #{open.Id} in {open.Room} was cancelled at the panel");
            }
        }

        Forward();
        Changed?.Invoke();
        return cancelled;
    }

    /// <summary>The DSL has seen it (from the LA's command, or locally): the panel's LED goes from blinking to steady.</summary>
    public bool Acknowledge(long id, string by) => Move(id, IncidentState.Acknowledged, by, "incident.acknowledged");

    /// <summary>Only the DSL closes an incident.</summary>
    public bool Close(long id, string by) => Move(id, IncidentState.Closed, by, "incident.closed");

    private bool Move(long id, IncidentState state, string by, string action)
    {
        bool moved;
        lock (_lock)
        {
            moved = _store.SetState(id, state, by, _time.GetUtcNow());
            if (moved)
            {
                Record(by, action, _store.Get(id)!);
            }
        }

        Forward();
        Changed?.Invoke();
        return moved;
    }

    /// <summary>What the panel shows for the newest incident.</summary>
    public (PanicCondition Condition, DateTimeOffset Since) PanelState(DateTimeOffset now)
    {
        var latest = _store.Latest();
        return latest switch
        {
            null => (PanicCondition.None, now),
            { State: IncidentState.Raised } i when Delivered(i) || now - i.RaisedAt < _panel.DeliveryGrace => (PanicCondition.Raised, i.RaisedAt),
            { State: IncidentState.Raised } i => (PanicCondition.NotDelivered, i.RaisedAt + _panel.DeliveryGrace),
            { State: IncidentState.Acknowledged } i => (PanicCondition.Acknowledged, i.StateAt),
            { State: IncidentState.Cancelled } i => (PanicCondition.Cancelled, i.StateAt),
            _ => (PanicCondition.None, latest.StateAt),
        };
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Forward();
                Escalate();
                RetryTell();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.Failed(_logger, ex.Message);   // a database or disk failure: tried again next second
            }

            try
            {
                await Task.Delay(TickEvery, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // Delivered: the LA's ingest acknowledged the raise record, or the DSL's mail server accepted the e-mail.
    private bool Delivered(Incident incident)
    {
        if (incident.DeliveredAt is not null)
        {
            return true;
        }

        var delivered = (incident.OutboxSeq is { } seq && _fleet is not null && _fleet.Outbox.AckedSeq(Appliance.Fleet.Outbox.Streams.Incident) >= seq)
            || (incident.AlertId is { } alert && _alerts.EmailedAt(alert) is not null);
        if (delivered)
        {
            _store.MarkDelivered(incident.Id, _time.GetUtcNow());
            Log.Delivered(_logger, incident.Id);
        }

        return delivered;
    }

    // Sends each incident's state to the LA once (whichever process changed it).
    private void Forward()
    {
        if (_fleet is null)
        {
            return;
        }

        lock (_lock)
        {
            foreach (var incident in _store.NotForwarded())
            {
                var seq = _fleet.AppendIncident(incident, incident.StateName, _time.GetUtcNow());
                if (incident.State == IncidentState.Raised && incident.OutboxSeq is null)
                {
                    _store.SetOutboxSeq(incident.Id, seq);
                }

                _store.SetForwarded(incident.Id, incident.StateName);
            }
        }
    }

    private void Escalate()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_store.Latest() is not { State: IncidentState.Raised, EscalatedAt: null } open || now - open.RaisedAt < _panel.EscalateAfter)
            {
                return;
            }

            // Queued for the LA before it is marked: if the outbox refuses it, the next tick tries again.
            _fleet?.AppendIncident(open, "escalated", now);
            _store.MarkEscalated(open.Id, now);
            var escalated = _store.Get(open.Id)!;
            Log.Escalated(_logger, open.Id, _panel.EscalateAfter.TotalMinutes);
            Record("system", "incident.escalated", escalated, ("after", $"{_panel.EscalateAfter.TotalMinutes:0} min"));
            Tell(escalated, now, "panic-button-escalated",
                $"{(open.Test ? "TEST " : "")}incident #{open.Id} in {open.Room} has not been acknowledged after {_panel.EscalateAfter.TotalMinutes:0} minutes");
        }
    }

    // The DSL's e-mail for a raise whose alert could not be stored at the time (a full disk, a locked database).
    private void RetryTell()
    {
        lock (_lock)
        {
            if (_store.Latest() is { State: IncidentState.Raised, AlertId: null } open)
            {
                Tell(open, _time.GetUtcNow(), "panic-button", RaiseText(open));
            }
        }
    }

    // The evidence of the minutes before the raise, sealed; its digest goes into the audit chain and to the LA.
    private Incident Seal(Incident incident, DateTimeOffset now)
    {
        try
        {
            var scope = new EvidenceScope(_panel.Subnets, _panel.EvidenceBefore);
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(_evidenceDir);
            }
            else
            {
                Directory.CreateDirectory(_evidenceDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);   // the owner only
            }
            var packets = _capture?.Write(Path.Combine(_evidenceDir, $"incident-{incident.Id}.pcap"), incident.RaisedAt - _panel.EvidenceBefore, now);
            var evidence = EvidenceBundle.Seal(incident, _journal, scope, _evidenceDir, now, packets);
            _store.SetEvidence(incident.Id, evidence.Sha256, evidence.File);
            Record("system", "incident.evidence", incident, ("sha256", evidence.Sha256), ("file", evidence.File),
                ("events", evidence.Events), ("devices", evidence.Devices));
            var sealedIncident = _store.Get(incident.Id)!;
            _fleet?.AppendIncident(sealedIncident, "evidence", now);
            return sealedIncident;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The incident stands without its evidence; the DSL learns why from the audit log and the ALERT.
            Log.EvidenceFailed(_logger, incident.Id, ex.Message);
            Record("system", "incident.evidence-failed", incident, ("problem", ex.Message));
            return incident;
        }
    }

    // The DSL's e-mail (and inbox) through the alert store; its e-mail is one way the incident counts as delivered.
    private Incident Tell(Incident incident, DateTimeOffset now, string rule, string text)
    {
        try
        {
            var alert = _alerts.Append([new Alert(0, now, rule, AlertSeverity.High, incident.Room, null, incident.Panel, text, 0, 0, false, 0)])[0];
            if (rule == "panic-button")
            {
                _store.SetAlert(incident.Id, alert.Id);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.Failed(_logger, ex.Message);
        }

        return _store.Get(incident.Id) ?? incident;
    }

    private void Record(string actor, string action, Incident incident, params (string Name, object? Value)[] detail)
        => ((IAuditSink)_audit).Record(actor, action, $"incident {incident.Id}", AuditDetail.Of(detail));

    private static partial class Log
    {
        [LoggerMessage(EventId = 500, Level = LogLevel.Critical, Message = "INCIDENT #{Id}{Test} raised in {Room} ({Panel})")]
        public static partial void Raised(ILogger logger, long id, string test, string room, string panel);

        [LoggerMessage(EventId = 501, Level = LogLevel.Warning, Message = "incident #{Id} cancelled at the panel")]
        public static partial void Cancelled(ILogger logger, long id);

        [LoggerMessage(EventId = 502, Level = LogLevel.Information, Message = "incident #{Id} delivered")]
        public static partial void Delivered(ILogger logger, long id);

        [LoggerMessage(EventId = 503, Level = LogLevel.Critical, Message = "ALERT: incident #{Id} not acknowledged after {Minutes} minutes: escalated")]
        public static partial void Escalated(ILogger logger, long id, double minutes);

        [LoggerMessage(EventId = 504, Level = LogLevel.Error, Message = "ALERT: the evidence of incident #{Id} could not be sealed: {Problem}")]
        public static partial void EvidenceFailed(ILogger logger, long id, string problem);

        [LoggerMessage(EventId = 505, Level = LogLevel.Error, Message = "ALERT: incident bookkeeping failed: {Problem}")]
        public static partial void Failed(ILogger logger, string problem);
    }
}
