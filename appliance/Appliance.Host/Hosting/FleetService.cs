using Appliance.Core.Events;
using Appliance.Core.Net;
using Appliance.Fleet.Mqtt;
using Appliance.Fleet.Outbox;
using Appliance.Host.Configuration;

namespace Appliance.Host.Hosting;

/// <summary>
/// The box's side of the Local Authority link, when the configuration has a fleet section: the durable outbox
/// (DATA_DIR/outbox.db) that the event drain writes query records into, and the MQTT connection owner that drains
/// it to the LA's broker and applies the LA's acknowledgements.
/// </summary>
public sealed partial class FleetService : BackgroundService
{
    /// <summary>How often the box's health report goes to the LA (the health stream; the LA sees trends and silent boxes).</summary>
    public static readonly TimeSpan HealthEvery = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan AuditCatchUpEvery = TimeSpan.FromSeconds(10);
    private readonly QueryRecords _records;
    private readonly ILogger<FleetService> _logger;
    private readonly AuditForwarder _audit;
    private readonly Appliance.Journal.Audit.AuditLog _auditLog;
    private readonly TimeProvider _time;
    private readonly Pseudonyms? _pseudonyms;
    private readonly IServiceProvider _services;
    private long _notQueued;

    public FleetService(OutboxStore outbox, Appliance.Journal.Audit.AuditLog audit, ApplianceSettings settings, Appliance.Policy.PolicyChangeService policy,
        ListRefreshService lists, Appliance.Policy.Lists.ListRefresher refresher, IServiceProvider services, TimeProvider time, ILogger<FleetService> logger,
        HostRestart? restart = null)
    {
        _services = services;
        _auditLog = audit;
        _audit = new AuditForwarder(audit, outbox);
        _time = time;
        var fleet = settings.Fleet ?? throw new InvalidOperationException("the fleet service runs only with a fleet section");
        Outbox = outbox;
        Options = fleet.Link;
        _logger = logger;
        _pseudonyms = fleet.PseudonymiseGroups.Count > 0
            ? new Pseudonyms(PolicySetup.SecretKey(settings.DataDir, EventDrainService.PseudonymKeyFile), fleet.PseudonymiseGroups)
            : null;
        _records = new QueryRecords(outbox, fleet.SendQueries, _pseudonyms);
        Link = new FleetLink(fleet.Link, outbox, time, logger,
            FleetCommands.Create(fleet.CommandKeyPem, fleet.Link.Topics, outbox, audit, policy, lists, refresher,
                new LaConfigPart(settings.Inputs, settings.DataDir, restart), settings,
                (id, by) => services.GetRequiredService<IncidentService>().Acknowledge(id, by), () => Link?.Connects ?? 0, time));
    }

    public OutboxStore Outbox { get; }

    public FleetLink Link { get; }

    public FleetOptions Options { get; }

    /// <summary>Query events the outbox refused (full disk): counted for health, like the journal's.</summary>
    public long NotQueued => Interlocked.Read(ref _notQueued);

    /// <summary>Called from the event drain's thread with each batch it drained.</summary>
    public void Append(ReadOnlySpan<QueryEvent> batch, Func<byte, string> groupName)
    {
        try
        {
            _records.Append(batch, groupName);
        }
        catch (OutboxException ex)
        {
            Interlocked.Add(ref _notQueued, batch.Length);
            Log.NotQueued(_logger, ex.Message);
        }
    }

    /// <summary>After every drain, even an empty one (part-filled chunks are committed within a second); at shutdown with <paramref name="final"/>.</summary>
    public void FlushRecords(bool final)
    {
        try
        {
            if (final)
            {
                _records.Flush();
            }
            else
            {
                _records.FlushIfDue();
            }
        }
        catch (OutboxException ex)
        {
            Log.NotQueued(_logger, ex.Message);
        }
    }

    /// <summary>DSL alerts go to the LA in their own lane (after incidents, before everything else).</summary>
    public void AppendAlerts(IReadOnlyList<Appliance.Journal.Alerts.Alert> alerts)
    {
        using var builder = new ChunkBuilder();
        foreach (var a in alerts)
        {
            var w = builder.BeginRecord("alert", a.At);
            w.WriteNumber("alertId"u8, a.Id);
            w.WriteString("rule"u8, a.Rule);
            w.WriteString("severity"u8, a.Severity.ToString().ToLowerInvariant());
            // Pseudonymised groups: the LA learns that an alert happened and how serious, not which pupil (the DSL's
            // e-mail and the box's own inbox say who).
            var hide = _pseudonyms?.Applies(a.Group) == true;
            w.WriteString("client"u8, hide ? _pseudonyms!.Of(ClientAddress.FromEndPoint(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(a.Client), 0))) : a.Client);
            if (a.User is not null)
            {
                w.WriteString("user"u8, hide ? _pseudonyms!.Of(a.User) : a.User);
            }

            w.WriteString("group"u8, a.Group);
            w.WriteString("name"u8, a.Name);
            w.WriteString("categories"u8, Appliance.Core.Lists.Categories.Describe(a.Categories));
            w.WriteNumber("reason"u8, a.Reason);
            w.WriteBoolean("blocked"u8, a.Blocked);
            w.WriteNumber("suppressed"u8, a.Suppressed);
            builder.EndRecord();
        }

        try
        {
            Outbox.Append(Streams.Alert, builder.Take());
        }
        catch (OutboxException ex)
        {
            Interlocked.Add(ref _notQueued, alerts.Count);
            Log.NotQueued(_logger, ex.Message);
        }
    }

    /// <summary>
    /// An incident's change (raised, cancelled, acknowledged, escalated, closed) in the incident lane, which goes first;
    /// returns its seq, from which delivery is known (the LA acknowledged it).
    /// </summary>
    /// <exception cref="OutboxException">Not queued (full disk).</exception>
    public long AppendIncident(Appliance.Journal.Incidents.Incident incident, string change, DateTimeOffset at)
    {
        using var builder = new ChunkBuilder();
        var w = builder.BeginRecord("incident", at);
        w.WriteNumber("incidentId"u8, incident.Id);
        w.WriteString("change"u8, change);
        w.WriteString("state"u8, incident.StateName);
        w.WriteString("raisedAt"u8, incident.RaisedAt);
        w.WriteString("panel"u8, incident.Panel);
        w.WriteString("room"u8, incident.Room);
        w.WriteString("raisedBy"u8, incident.RaisedBy);
        w.WriteBoolean("test"u8, incident.Test);
        if (incident.StateBy is not null)
        {
            w.WriteString("by"u8, incident.StateBy);
        }

        if (incident.EvidenceSha256 is not null)
        {
            w.WriteString("evidenceSha256"u8, incident.EvidenceSha256);
        }

        builder.EndRecord();
        return Outbox.Append(Streams.Incident, builder.Take()).First;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Outbox.SetAside is { } aside)
        {
            Log.SetAside(_logger, Outbox.Path, aside);
        }

        Log.Starting(_logger, Options.Host, Options.Port, Options.Topics.Prefix, Outbox.Epoch);
        _auditLog.Appended += OnAudit;
        try
        {
            await Task.WhenAll(Link.RunAsync(stoppingToken), PeriodicAsync(stoppingToken)).ConfigureAwait(false);
        }
        finally
        {
            _auditLog.Appended -= OnAudit;
        }
    }

    // At start, after each entry this process writes, and every few seconds for entries another process wrote; and
    // the health report every five minutes.
    private async Task PeriodicAsync(CancellationToken stoppingToken)
    {
        var lastHealth = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                CatchUpAudit();
                // The first report once every service has started (DNS listening), so it does not show a half-started box.
                var started = _services.GetService<IHostApplicationLifetime>()?.ApplicationStarted.IsCancellationRequested ?? true;
                if (started && _time.GetUtcNow() - lastHealth >= HealthEvery)
                {
                    lastHealth = _time.GetUtcNow();
                    AppendHealth(lastHealth);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // An unexpected failure (a database error) must not end audit forwarding and health reports for good.
                Log.NotQueued(_logger, ex.Message);
            }

            try
            {
                await Task.Delay(AuditCatchUpEvery, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void AppendHealth(DateTimeOffset now)
    {
        using var builder = new ChunkBuilder();
        var w = builder.BeginRecord("health", now);
        w.WritePropertyName("report"u8);
        System.Text.Json.JsonSerializer.Serialize(w, HealthEndpoints.Build(_services), HealthJsonContext.Default.HealthReport);
        builder.EndRecord();
        try
        {
            Outbox.Append(Streams.Health, builder.Take());
        }
        catch (OutboxException ex)
        {
            Log.NotQueued(_logger, ex.Message);
        }
    }

    private void OnAudit(Appliance.Journal.Audit.AuditEntry entry) => CatchUpAudit();

    private void CatchUpAudit()
    {
        try
        {
            _audit.CatchUp();
        }
        catch (OutboxException ex)
        {
            Log.NotQueued(_logger, ex.Message);
        }
    }

    public override void Dispose()
    {
        _records.Dispose();
        Link.DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Fleet link to {Host}:{Port} as {Prefix} (outbox epoch {Epoch})")]
        public static partial void Starting(ILogger logger, string host, int port, string prefix, long epoch);

        [LoggerMessage(EventId = 411, Level = LogLevel.Error, Message = "ALERT: query records not queued for the LA: {Problem}")]
        public static partial void NotQueued(ILogger logger, string problem);

        [LoggerMessage(EventId = 412, Level = LogLevel.Error, Message = "ALERT: the outbox {Path} was unreadable; it was moved to {Aside} and a new one (new epoch) started")]
        public static partial void SetAside(ILogger logger, string path, string aside);
    }
}
