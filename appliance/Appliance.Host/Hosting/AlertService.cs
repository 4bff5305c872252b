using Appliance.Core.Events;
using Appliance.Host.Configuration;
using Appliance.Journal;
using Appliance.Journal.Alerts;

namespace Appliance.Host.Hosting;

/// <summary>
/// DSL alerts: the event drain hands each batch here; the rules and the rate limit pick the alerts, which are
/// stored (the inbox, DATA_DIR/alerts.db), logged, and — when configured — e-mailed to the DSL by a loop that
/// retries with backoff while the mail server is unreachable (the store keeps them meanwhile).
/// </summary>
public sealed partial class AlertService : BackgroundService
{
    // A look at the store's partial index every 2 s: cheap, and the DSL hears of an alert within seconds. (The drain
    // thread that raises alerts runs at nice 19 and must not wake this loop itself: see BackgroundWork.)
    private static readonly TimeSpan MailEvery = TimeSpan.FromSeconds(2);
    private readonly AlertEngine _engine;
    private readonly AlertStore _store;
    private readonly AlertMailer? _mailer;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertService> _logger;
    private long _notStored;

    public AlertService(AlertStore store, ApplianceSettings settings, TimeProvider time, ILogger<AlertService> logger)
    {
        _engine = new AlertEngine(settings.AlertRules, settings.AlertsPerDevicePerHour);
        _store = store;
        _mailer = settings.AlertEmail is { } email ? new AlertMailer(email, store, time) : null;
        _time = time;
        _logger = logger;
    }

    public long Raised => _engine.Raised;

    public long Suppressed => _engine.Suppressed;

    public long NotStored => Interlocked.Read(ref _notStored);

    /// <summary>Why the last e-mail attempt failed; null when it worked or e-mail is off.</summary>
    public string? MailProblem { get; private set; }

    public bool MailEnabled => _mailer is not null;

    /// <summary>On the event drain's thread: the alerts this batch raises, stored (with ids); empty for almost every batch.</summary>
    public IReadOnlyList<Alert> Raise(ReadOnlySpan<QueryEvent> batch, Func<byte, string> groupName)
    {
        var alerts = _engine.Evaluate(batch, groupName);
        if (alerts.Count == 0)
        {
            return alerts;
        }

        try
        {
            var stored = _store.Append(alerts);
            foreach (var a in stored)
            {
                Log.Raised(_logger, a.Severity, a.Rule, a.Client, a.Group, a.Name, a.Suppressed);
            }

            return stored;
        }
        catch (JournalException ex)
        {
            Interlocked.Add(ref _notStored, alerts.Count);
            Log.NotStored(_logger, alerts.Count, ex.Message);
            return alerts;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_mailer is null)
        {
            return;
        }

        var delay = MailEvery;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = await _mailer.SendPendingAsync(stoppingToken).ConfigureAwait(false);
                if (sent > 0)
                {
                    Log.Mailed(_logger, sent);
                }

                MailProblem = null;
                delay = MailEvery;
            }
            catch (Exception ex) when (ex is MailException or NotSupportedException or InvalidOperationException or Appliance.Journal.JournalException)
            {
                // MailException: the server; NotSupportedException: e.g. a user name set and the server offers no AUTH.
                // None of them may stop the appliance; the alerts wait in the store.
                MailProblem = ex.Message;
                delay = TimeSpan.FromSeconds(Math.Min(300, delay.TotalSeconds * 2));
                Log.MailFailed(_logger, ex.Message, delay);
            }

            try
            {
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "DSL alert ({Severity}, rule {Rule}): {Client} in {Group} asked for {Name}{Suppressed}")]
        private static partial void RaisedCore(ILogger logger, AlertSeverity severity, string rule, string client, string group, string name, string suppressed);

        public static void Raised(ILogger logger, AlertSeverity severity, string rule, string client, string group, string name, int suppressed)
            => RaisedCore(logger, severity, rule, client, group, name, suppressed > 0 ? $" (and {suppressed} more held back)" : "");

        [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "ALERT: {Count} DSL alerts were not stored: {Problem}")]
        public static partial void NotStored(ILogger logger, int count, string problem);

        [LoggerMessage(EventId = 502, Level = LogLevel.Information, Message = "{Count} DSL alerts e-mailed")]
        public static partial void Mailed(ILogger logger, int count);

        [LoggerMessage(EventId = 503, Level = LogLevel.Warning, Message = "Alert e-mail failed: {Problem}; trying again in {Delay}")]
        public static partial void MailFailed(ILogger logger, string problem, TimeSpan delay);
    }
}
