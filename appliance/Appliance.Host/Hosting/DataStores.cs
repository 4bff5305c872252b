using Appliance.Fleet.Outbox;
using Appliance.Host.Configuration;
using Appliance.Journal;
using Appliance.Journal.Alerts;
using Appliance.Journal.Checks;
using Appliance.Journal.Incidents;

namespace Appliance.Host.Hosting;

/// <summary>
/// The SQLite files the running box keeps in its data directory, opened together at start and closed together at
/// stop: one that cannot be opened stops the start with its name and the reason, and closes the ones already open.
/// </summary>
public sealed class DataStores : IDisposable
{
    private DataStores(QueryJournal journal, OutboxStore? outbox, AlertStore alerts, IncidentStore incidents, CheckLog checks)
    {
        Journal = journal;
        Outbox = outbox;
        Alerts = alerts;
        Incidents = incidents;
        Checks = checks;
    }

    public QueryJournal Journal { get; }

    /// <summary>Only with a fleet section.</summary>
    public OutboxStore? Outbox { get; }

    public AlertStore Alerts { get; }

    public IncidentStore Incidents { get; }

    /// <summary>The record of the box's own checks (self-checks, list refreshes) for the reports.</summary>
    public CheckLog Checks { get; }

    /// <exception cref="ConfigException">A file cannot be opened or is not what it should be.</exception>
    public static DataStores Open(ApplianceSettings settings)
    {
        var opened = new List<IDisposable>();
        try
        {
            T Keep<T>(T store)
                where T : IDisposable
            {
                opened.Add(store);
                return store;
            }

            var journal = Keep(QueryJournal.Open(Path.Combine(settings.DataDir, "journal.db"), settings.Journal));
            var outbox = settings.Fleet is { } fleet ? Keep(OutboxStore.Open(Path.Combine(settings.DataDir, "outbox.db"), fleet.Outbox)) : null;
            var alerts = Keep(AlertStore.Open(Path.Combine(settings.DataDir, "alerts.db")));
            var incidents = Keep(IncidentStore.Open(Path.Combine(settings.DataDir, "incidents.db")));
            var checks = Keep(CheckLog.Open(Path.Combine(settings.DataDir, "checks.db")));
            return new DataStores(journal, outbox, alerts, incidents, checks);
        }
        catch (Exception ex) when (ex is JournalException or OutboxException)
        {
            opened.ForEach(s => s.Dispose());
            throw new ConfigException(ex.Message, ex);
        }
    }

    public void Dispose()
    {
        Checks.Dispose();
        Incidents.Dispose();
        Alerts.Dispose();
        Outbox?.Dispose();
        Journal.Dispose();
    }
}
