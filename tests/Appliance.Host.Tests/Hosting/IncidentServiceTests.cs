using Appliance.Hardware.Leds;
using Appliance.Host.Configuration;
using Appliance.Host.Hosting;
using Appliance.Journal;
using Appliance.Journal.Alerts;
using Appliance.Journal.Audit;
using Appliance.Journal.Incidents;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Host.Tests.Hosting;

/// <summary>The incident service without a network: delivery by e-mail, "not delivered", escalation, acknowledgement, cancel, test mode, audit.</summary>
public sealed class IncidentServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("incident-service-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));
    private readonly IncidentStore _store;
    private readonly QueryJournal _journal;
    private readonly AuditLog _audit;
    private readonly AlertStore _alerts;
    private readonly IncidentService _service;

    public IncidentServiceTests()
    {
        _store = IncidentStore.Open(Path.Combine(_dir, "incidents.db"));
        _journal = QueryJournal.Open(Path.Combine(_dir, "journal.db"));
        _audit = AuditLog.Open(Path.Combine(_dir, "audit.db"), _time);
        _alerts = AlertStore.Open(Path.Combine(_dir, "alerts.db"));
        var settings = new ApplianceSettings(_dir, new Appliance.Dns.DnsServerOptions(), ApplianceSettings.DefaultWebListen)
        {
            Panel = new PanelSettings { Id = "panel-4", Room = "Room 4", DeliveryGrace = TimeSpan.FromSeconds(30), EscalateAfter = TimeSpan.FromMinutes(10) },
        };
        _service = new IncidentService(_store, _journal, _audit, _alerts, settings, _time, NullLogger<IncidentService>.Instance);
    }

    public void Dispose()
    {
        _service.Dispose();
        _store.Dispose();
        _journal.Dispose();
        _audit.Dispose();
        _alerts.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private PanicCondition Panic() => _service.PanelState(_time.GetUtcNow()).Condition;

    private List<string> Actions() => [.. _audit.Tail(100).Select(e => e.Action)];

    [Fact]
    public async Task A_raise_nobody_has_shows_not_delivered_after_the_grace_then_delivered_once_the_email_went_and_escalates_unacknowledged()
    {
        using var run = new CancellationTokenSource();
        var loop = _service.StartAsync(run.Token);
        var incident = _service.Raise("panel panel-4");
        Assert.NotNull(incident.EvidenceSha256);
        Assert.Equal(PanicCondition.Raised, Panic());

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(PanicCondition.NotDelivered, Panic());

        // The DSL's mail server accepted the alert: delivered.
        var mail = Assert.Single(_alerts.NotEmailed(10));
        Assert.Equal(("panic-button", "incident #1 raised in Room 4 (panel-4) by panel panel-4"), (mail.Rule, mail.Name));
        _alerts.MarkEmailed([mail.Id], _time.GetUtcNow());
        Assert.Equal(PanicCondition.Raised, Panic());
        Assert.NotNull(_store.Get(1)!.DeliveredAt);

        // A second press while it is open is the same incident.
        Assert.Equal(1, _service.Raise("panel panel-4").Id);

        // Ten minutes without an acknowledgement: escalated once, the DSL told again.
        for (var i = 0; i < 11 * 60; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        await Eventually(() => _store.Get(1)!.EscalatedAt is not null);
        Assert.Single(_alerts.NotEmailed(10), a => a.Rule == "panic-button-escalated");

        Assert.True(_service.Acknowledge(1, "la:LA1"));
        Assert.Equal(PanicCondition.Acknowledged, Panic());
        Assert.True(_service.Close(1, "dsl:jones"));
        Assert.Equal(PanicCondition.None, Panic());
        await run.CancelAsync();
        await _service.StopAsync(CancellationToken.None);
        await loop;

        Assert.Equal(["incident.raised", "incident.evidence", "incident.pressed-again", "incident.escalated", "incident.acknowledged", "incident.closed"],
            Actions().Where(a => a.StartsWith("incident.", StringComparison.Ordinal)));
        Assert.True(_audit.Verify().Intact);
    }

    [Fact]
    public void A_cancel_shows_for_a_moment_a_test_raise_is_marked_test_and_only_a_raised_incident_can_be_cancelled()
    {
        Assert.Null(_service.Cancel("panel panel-4"));
        _store.SetTestMode(_time.GetUtcNow().AddMinutes(15));
        var test = _service.Raise("panel panel-4");
        Assert.True(test.Test);
        Assert.StartsWith("TEST incident #1", Assert.Single(_alerts.NotEmailed(10)).Name, StringComparison.Ordinal);

        var cancelled = _service.Cancel("panel panel-4")!;
        Assert.Equal(IncidentState.Cancelled, cancelled.State);
        Assert.Equal(PanicCondition.Cancelled, Panic());
        Assert.False(_service.Acknowledge(1, "la:LA1"));   // a cancelled incident is not acknowledged
        Assert.Contains("incident.cancelled", Actions());
    }

    private static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
