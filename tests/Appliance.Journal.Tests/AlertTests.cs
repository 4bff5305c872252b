using System.Net;
using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Journal.Alerts;
using Appliance.Protocols.Dns;
using Appliance.TestSupport;

namespace Appliance.Journal.Tests;

public sealed class AlertTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("alerts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static QueryEvent Event(string client, string name, Category category, bool blocked = true, TimeSpan? at = null, ReasonCode reason = ReasonCode.DnsBlockedCategory)
    {
        var e = new QueryEvent
        {
            Time = T0 + (at ?? TimeSpan.Zero),
            Client = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(client), Random.Shared.Next(1024, 65535))),   // as a resolver sees them: a new source port each time
            QueryType = 1,
            Reason = reason,
            Flags = blocked ? QueryEventFlags.Blocked : QueryEventFlags.Forwarded,
            Categories = Categories.Bit(category),
        };
        e.SetName(DnsName.Encode(name));
        return e;
    }

    private static string Group(byte g) => g == 0 ? "pupils" : "staff";

    [Fact]
    public void The_default_rules_alert_on_self_harm_extremism_and_statutory_hits_only()
    {
        var engine = new AlertEngine(AlertRule.Defaults, maxPerHour: 5);
        var alerts = engine.Evaluate(new[]
        {
            Event("10.0.0.5", "selfharm.example", Category.SelfHarm),
            Event("10.0.0.5", "casino.example", Category.Gambling),
            Event("10.0.0.6", "h-0123456789abcdef01234567.statutory-iwf.statutory.invalid", Category.StatutoryIwf, reason: ReasonCode.DnsBlockedStatutory),
            Event("10.0.0.7", "forum.example", Category.Extremism, blocked: false),   // allowed: the default rules are for blocks
        }, Group);

        Assert.Equal(["self-harm", "statutory-list"], alerts.Select(a => a.Rule));
        Assert.All(alerts, a => Assert.Equal(AlertSeverity.High, a.Severity));
        Assert.Equal(("10.0.0.5", "pupils", "selfharm.example", 110), (alerts[0].Client, alerts[0].Group, alerts[0].Name, alerts[0].Reason));
        Assert.EndsWith(".statutory.invalid", alerts[1].Name, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_may_watch_allowed_queries_too()
    {
        var engine = new AlertEngine([new AlertRule("extremism-watch", Categories.Bit(Category.Extremism), AlertSeverity.Medium, BlockedOnly: false)], 5);
        var alert = Assert.Single(engine.Evaluate(new[] { Event("10.0.0.7", "forum.example", Category.Extremism, blocked: false) }, Group));
        Assert.False(alert.Blocked);
    }

    [Fact]
    public void One_pupil_retrying_cannot_flood_the_DSL_and_what_was_held_back_is_reported_later()
    {
        var engine = new AlertEngine(AlertRule.Defaults, maxPerHour: 3);
        var burst = Enumerable.Range(0, 10).Select(i => Event("10.0.0.5", $"s{i}.example", Category.SelfHarm, at: TimeSpan.FromSeconds(i))).ToArray();
        var other = Event("10.0.0.9", "s.example", Category.SelfHarm, at: TimeSpan.FromSeconds(20));

        var first = engine.Evaluate([.. burst, other], Group);
        Assert.Equal(3, first.Count(a => a.Client == "10.0.0.5"));
        Assert.Single(first, a => a.Client == "10.0.0.9");   // another device has its own allowance
        Assert.Equal(7, engine.Suppressed);

        var later = Assert.Single(engine.Evaluate(new[] { Event("10.0.0.5", "again.example", Category.SelfHarm, at: TimeSpan.FromMinutes(30)) }, Group));
        Assert.Equal(7, later.Suppressed);
    }

    private (AlertStore Store, MailOptions Options) Setup(int port, string? user = null, string? password = null)
    {
        var store = AlertStore.Open(Path.Combine(_dir, "alerts.db"));
        store.Append(new AlertEngine(AlertRule.Defaults, 5).Evaluate(new[]
        {
            Event("10.0.0.5", "selfharm.example", Category.SelfHarm),
            Event("10.0.0.6", "h-0123456789abcdef01234567.statutory-iwf.statutory.invalid", Category.StatutoryIwf, reason: ReasonCode.DnsBlockedStatutory),
        }, Group));
        return (store, new MailOptions("127.0.0.1", port, MailSecurity.None, "gateway@school.test", ["dsl@school.test", "deputy-dsl@school.test"], user, password, "SCH1"));
    }

    [Fact]
    public async Task Pending_alerts_are_mailed_once_in_one_message_to_every_recipient()
    {
        await using var sink = new SmtpSink();
        var (store, options) = Setup(sink.Port);
        using var _ = store;
        var mailer = new AlertMailer(options, store, TimeProvider.System);

        Assert.Equal(2, await mailer.SendPendingAsync(CancellationToken.None));
        Assert.Equal(0, await mailer.SendPendingAsync(CancellationToken.None));

        var message = Assert.Single(sink.Messages);
        Assert.Contains("Subject: [SCH1] 2 safeguarding alerts, HIGH: self-harm, statutory-list", message, StringComparison.Ordinal);
        Assert.Contains("To: dsl@school.test, deputy-dsl@school.test", message, StringComparison.Ordinal);
        Assert.Contains("what:  selfharm.example (self-harm), blocked", message, StringComparison.Ordinal);
        Assert.Contains("Its address is deliberately not shown", message, StringComparison.Ordinal);
        Assert.Empty(store.NotEmailed(10));
    }

    [Fact]
    public async Task A_mail_server_that_is_down_or_refuses_the_password_delays_alerts_and_loses_none()
    {
        var port = SmtpSink.FreePort();   // nobody listens there yet
        var (store, options) = Setup(port, "gateway", "right-password");
        using var _ = store;

        var down = await Assert.ThrowsAsync<MailException>(() => new AlertMailer(options, store, TimeProvider.System).SendPendingAsync(CancellationToken.None));
        Assert.Contains($"alert e-mail via 127.0.0.1:{port} failed", down.Message, StringComparison.Ordinal);

        await using (var sink = new SmtpSink("gateway", "right-password", port))
        {
            var wrong = new AlertMailer(options with { Password = "wrong" }, store, TimeProvider.System);
            await Assert.ThrowsAsync<MailException>(() => wrong.SendPendingAsync(CancellationToken.None));
            Assert.Equal(2, store.NotEmailed(10).Count);

            Assert.Equal(2, await new AlertMailer(options, store, TimeProvider.System).SendPendingAsync(CancellationToken.None));
            Assert.Single(sink.Messages);
        }

        Assert.Empty(store.NotEmailed(10));
    }
}
