using System.Net;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Lessons.Scheduling;
using Appliance.Lessons.Tests.Plans;
using Appliance.Protocols.Dns;

namespace Appliance.Lessons.Tests.Scheduling;

/// <summary>
/// The allow window as the host runs it — plans → agenda → allow table → engine — on a FakeTimeProvider: an approved
/// site in a blocked category opens for the class in its room at the lesson's start and closes at its end.
/// </summary>
public sealed class LessonWindowClockTests : IDisposable
{
    private static readonly DateTimeOffset Tuesday0900 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly PlanFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void ApprovedSite_OpensAtTheStart_ClosesAtTheEnd_ForTheClassOnly()
    {
        var plan = _f.Planner.Create(PlanFixture.Teacher, PlanFixture.Draft("https://arcade.example/play", "https://abuse.example/") with { Room = "10.20.12.0/24" });
        _f.Planner.Decide(PlanFixture.Dsl, plan.Id, plan.Sites[0].Id, approve: true, "projectiles");
        var engine = new PolicyEngine(_f.Policy);
        engine.SwapLessons(LessonAllowTable.Build(LessonAgenda.Windows(_f.Store.List(), _f.Policy, _f.Time.GetUtcNow())
            .Select(w => w.ToLessonWindow())));

        // (in time order: the fake clock only goes forward)
        ReasonCode At(DateTimeOffset when, string name = "arcade.example", string? group = "pupils", string address = "10.20.12.7")
        {
            _f.Time.SetUtcNow(when);
            var client = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(address), 5353));
            return engine.Decide(new RequestFacts(Wire(name), DnsType.A, client, RequestSource.DnsUdp, _f.Time.GetUtcNow(),
                new Appliance.Core.Identity.ClientIdentity("pupil", group))).Reason;
        }

        Assert.Equal(ReasonCode.DnsBlockedCategory, At(Tuesday0900.AddTicks(-1)));
        Assert.Equal(ReasonCode.DnsAllowedLesson, At(Tuesday0900));
        Assert.Equal(ReasonCode.DnsBlockedCategory, At(Tuesday0900.AddMinutes(30), "other.arcade.example"));   // the name, not every name under it
        Assert.Equal(ReasonCode.DnsBlockedStatutory, At(Tuesday0900.AddMinutes(30), "abuse.example"));   // refused, and above any window
        Assert.Equal(ReasonCode.DnsBlockedCategory, At(Tuesday0900.AddMinutes(30), address: "10.20.1.5"));   // a pupil in another room
        Assert.Equal(ReasonCode.DnsAllowedLesson, At(Tuesday0900.AddHours(1).AddTicks(-1)));
        Assert.Equal(ReasonCode.DnsBlockedCategory, At(Tuesday0900.AddHours(1)));
    }

    private static byte[] Wire(string name)
    {
        var buffer = new byte[256];
        Assert.True(DnsName.TryEncode(name, buffer, out var length));
        return buffer[..length];
    }
}
