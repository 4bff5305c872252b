using System.Runtime.InteropServices;
using Appliance.Core.Policy;
using Appliance.Host.Configuration;
using Appliance.Journal;
using Appliance.Journal.Checks;
using Appliance.Policy;
using Appliance.Policy.Lists;

namespace Appliance.Host.Hosting;

/// <summary>
/// Keeps the lists fresh: right after start (for URLs), then every <c>filtering.refreshMinutes</c>, and at once
/// on SIGHUP (as unbound and nsd reload). When a list changed, all lists are loaded again off the hot path and
/// the policy is recompiled and swapped in with one reference write (<see cref="PolicyChangeService.ReplaceLists"/>);
/// queries never wait for it. The old lists are released a while later, once no query can still be reading them.
/// A refused or unreachable list is an alert (a warning now; the DSL's inbox and the Local Authority later) and
/// keeps its last good copy.
/// </summary>
public sealed partial class ListRefreshService(
    ApplianceSettings settings, ListRefresher refresher, PolicyChangeService changes, TimeProvider time, ILogger<ListRefreshService> logger,
    CheckLog? checks = null)
    : BackgroundService
{
    /// <summary>How long replaced lists stay mapped: far longer than any query spends in the policy engine.</summary>
    public static readonly TimeSpan ReleaseDelay = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _wake = new(0);
    private long _reloads;

    /// <summary>Completed list reloads (for health and tests).</summary>
    public long Reloads => Interlocked.Read(ref _reloads);

    public IReadOnlyList<ListStatus> Statuses => refresher.Statuses;

    /// <summary>Asks for a refresh and reload now (SIGHUP does this).</summary>
    public void Trigger() => _wake.Release();

    public static void Report(ILogger logger, IReadOnlyList<ListStatus> statuses)
    {
        foreach (var s in statuses)
        {
            switch (s.Outcome)
            {
                case ListRefreshOutcome.Updated:
                    Log.Updated(logger, s.Source, s.Detail);
                    break;
                case ListRefreshOutcome.Refused:
                    Log.Refused(logger, s.Source, s.Detail, s.LastGood);
                    break;
                case ListRefreshOutcome.Failed:
                    Log.Failed(logger, s.Source, s.Detail, s.LastGood);
                    break;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;   // SIGHUP means "reload", not "terminate"
            Trigger();
        });
        var forced = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var statuses = await refresher.RefreshAsync(localOnly: false, stoppingToken);
                Report(logger, statuses);
                RecordChecks(statuses);
                if (forced || statuses.Any(s => s.Outcome == ListRefreshOutcome.Updated))
                {
                    await ReloadAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (ex is ConfigException or PolicyException or IOException)
            {
                Log.ReloadFailed(logger, ex.Message);
            }

            try
            {
                forced = await _wake.WaitAsync(settings.ListRefreshInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // Each refresh is a check on the record governors see (a refused or unreachable list counts as failed).
    private void RecordChecks(IReadOnlyList<ListStatus> statuses)
    {
        try
        {
            foreach (var s in statuses)
            {
                checks?.Record(time.GetUtcNow(), CheckLog.ListKind, s.Source, s.Outcome is ListRefreshOutcome.Unchanged or ListRefreshOutcome.Updated, s.Detail);
            }
        }
        catch (JournalException ex)
        {
            Log.ReloadFailed(logger, ex.Message);
        }
    }

    private async Task ReloadAsync(CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        var lists = await BackgroundWork.RunAsync(() => PolicyLoader.Load(settings, refresher, logger), "list reload");
        var old = changes.ReplaceLists(lists);
        Interlocked.Increment(ref _reloads);
        var milliseconds = time.GetElapsedTime(started).TotalMilliseconds;
        Log.Reloaded(logger, lists.Blocked.Count, lists.Statutory.Count, milliseconds);
        _ = ReleaseLaterAsync(old);
    }

    private async Task ReleaseLaterAsync(PolicyLists old)
    {
        await Task.Delay(ReleaseDelay, time);
        old.Blocked.Dispose();
        old.Exceptions.Dispose();
        old.Statutory.Dispose();
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "List {Source} updated: {Detail}")]
        public static partial void Updated(ILogger logger, string source, string detail);

        [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "ALERT: list {Source} refused: {Detail}; the last good copy (from {LastGood}) stays in use")]
        public static partial void Refused(ILogger logger, string source, string detail, DateTimeOffset? lastGood);

        [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "ALERT: list {Source} could not be refreshed: {Detail}; the last good copy (from {LastGood}) stays in use")]
        public static partial void Failed(ILogger logger, string source, string detail, DateTimeOffset? lastGood);

        [LoggerMessage(EventId = 33, Level = LogLevel.Information, Message = "Lists reloaded: {Names} names, {Statutory} statutory entries, in {Milliseconds:F0} ms; the policy was swapped without pausing queries")]
        public static partial void Reloaded(ILogger logger, int names, int statutory, double milliseconds);

        [LoggerMessage(EventId = 34, Level = LogLevel.Error, Message = "Lists could not be reloaded; the running lists stay: {Problem}")]
        public static partial void ReloadFailed(ILogger logger, string problem);
    }
}
