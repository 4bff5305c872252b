using System.Net;
using Appliance.Core.Identity;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Protocols.Dns;

namespace Appliance.Core.Tests.Policy;

/// <summary>
/// Lesson windows in the policy engine (issue 9): at the level of the group's allow entries (DESIGN §5), for a class
/// (group), a room (subnet) or both, open for <c>Start &lt;= now &lt; End</c>. Same school as <see cref="PolicyEngineTests"/>:
/// secondary = 10.20.0.0/16 (blocks drugs, social media; games by schedule in lesson time), staff = 10.20.99.0/24,
/// everyone else guest (blocks all).
/// </summary>
public sealed class LessonAllowTableTests
{
    // The Wednesday of PolicyEngineTests, 10:00 GMT: a lesson from 10:00 to 11:00.
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = Start.AddHours(1);
    private static readonly PolicySnapshot Snapshot = PolicyCompiler.Compile(PolicyEngineTests.School, PolicyEngineTests.Lists(), 1);

    private static LessonWindow Window(string? group = "secondary", string? subnet = null, DateTimeOffset? start = null, DateTimeOffset? end = null,
        string id = "chemistry-9b", params string[] hosts)
        => new(id, hosts.Length == 0 ? ["pills.example"] : hosts, group, subnet, start ?? Start, end ?? End);

    private static Verdict Decide(LessonAllowTable lessons, string name, string client = "10.20.1.5", DateTimeOffset? at = null,
        string? identityGroup = null, ushort type = DnsType.A)
    {
        var address = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(client), 1234));
        var identity = new ClientIdentity(identityGroup is null ? null : "user", identityGroup);
        return PolicyEngine.Decide(Snapshot, lessons, new RequestFacts(TestNames.Wire(name), type, address, RequestSource.DnsUdp, at ?? Start, identity));
    }

    private static LessonAllowTable Table(params LessonWindow[] windows) => LessonAllowTable.Build(windows);

    [Fact]
    public void Window_OpensAtItsStart_AndClosesAtItsEnd()
    {
        // A longer lesson elsewhere in the same table, so its span does not hide this window's own edges.
        var lessons = Table(Window(), Window(id: "double-art", start: Start.AddHours(-2), end: End.AddHours(2), hosts: "friends.example"));
        var tick = TimeSpan.FromTicks(1);

        Assert.Equal(ReasonCode.DnsBlockedCategory, Decide(lessons, "pills.example", at: Start - tick).Reason);
        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "pills.example", at: Start).Reason);
        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "pills.example", at: End - tick).Reason);
        Assert.Equal(ReasonCode.DnsBlockedCategory, Decide(lessons, "pills.example", at: End).Reason);
    }

    [Fact]
    public void Window_EdgesHoldInAnyOffset()
    {
        // The same instants written in the school's summer offset: windows compare instants, not wall clocks.
        var lessons = Table(Window(start: Start.ToOffset(TimeSpan.FromHours(1)), end: End.ToOffset(TimeSpan.FromHours(1))));
        Assert.Equal(VerdictAction.Allow, Decide(lessons, "pills.example", at: Start).Action);
        Assert.True(Decide(lessons, "pills.example", at: End).IsBlocked);
    }

    [Fact]
    public void Window_EmptyTable_ChangesNothing()
    {
        Assert.Equal(ReasonCode.DnsBlockedCategory, Decide(LessonAllowTable.Empty, "pills.example").Reason);
        Assert.Equal(0, LessonAllowTable.Empty.Count);
    }

    [Fact]
    public void GroupOnly_AllowsThatGroupAnywhere_AndNoOtherGroup()
    {
        var lessons = Table(Window(group: "Secondary"));   // group names are case-insensitive, as in the policy

        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "pills.example", client: "10.20.1.5").Reason);
        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "pills.example", client: "192.0.2.1", identityGroup: "secondary").Reason);
        Assert.True(Decide(lessons, "pills.example", client: "192.0.2.1").IsBlocked);                       // guest
        Assert.True(Decide(lessons, "pills.example", client: "10.20.1.5", identityGroup: "guest").IsBlocked);
    }

    [Fact]
    public void SubnetOnly_AllowsEveryoneInTheRoom_AndNobodyOutside()
    {
        var lessons = Table(Window(group: null, subnet: "10.20.5.0/24"));

        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "pills.example", client: "10.20.5.9").Reason);
        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "pills.example", client: "::ffff:10.20.5.9").Reason);
        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "pills.example", client: "10.20.5.9", identityGroup: "guest").Reason);
        Assert.True(Decide(lessons, "pills.example", client: "10.20.6.9").IsBlocked);   // the room next door, same group
    }

    [Fact]
    public void GroupAndSubnet_ClientMustMatchBoth()
    {
        var lessons = Table(Window(group: "secondary", subnet: "10.20.5.0/24"));

        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "pills.example", client: "10.20.5.9").Reason);
        Assert.True(Decide(lessons, "pills.example", client: "10.20.5.9", identityGroup: "guest").IsBlocked);   // in the room, wrong group
        Assert.True(Decide(lessons, "pills.example", client: "10.20.6.9").IsBlocked);                           // right group, wrong room
    }

    [Fact]
    public void OverlappingRooms_EachWindowCounts()
    {
        // A lab inside a building's block: both windows apply to a client in the lab, whichever prefix is longer.
        var lessons = Table(
            Window(group: null, subnet: "10.20.0.0/16", id: "building", hosts: "friends.example"),
            Window(group: null, subnet: "10.20.5.0/24", id: "lab", hosts: "pills.example"));

        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "friends.example", client: "10.20.5.9").Reason);
        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "pills.example", client: "10.20.5.9").Reason);
        Assert.True(Decide(lessons, "pills.example", client: "10.20.6.9").IsBlocked);
    }

    [Fact]
    public void Host_CoversSubdomains_UnlessExact()
    {
        var lessons = Table(Window(hosts: ["pills.example", "=friends.example"]));

        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "www.pills.example").Reason);
        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "friends.example").Reason);
        Assert.True(Decide(lessons, "cdn.friends.example").IsBlocked);
        Assert.Equal(ReasonCode.DnsAllowedDefault, Decide(lessons, "otherpills.example").Reason);
    }

    [Fact]
    public void StatutoryCanaryAndSecurity_StillBlockInsideTheWindow()
    {
        var lessons = Table(Window(hosts: ["abuse.example", "evil-but-allowed.example", "use-application-dns.net"]));

        Assert.Equal(ReasonCode.DnsBlockedStatutory, Decide(lessons, "img.abuse.example").Reason);
        Assert.Equal(ReasonCode.DnsBlockedSecurity, Decide(lessons, "evil-but-allowed.example").Reason);
        Assert.Equal(ReasonCode.DnsCircumventionCanary, Decide(lessons, "use-application-dns.net").Reason);
    }

    [Fact]
    public void CustomDenyCategoryAndSchedule_LiftedInsideTheWindow()
    {
        var lessons = Table(Window(hosts: ["chess.example", "friends.example", "arcade.example"]));

        Assert.Equal(ReasonCode.DnsBlockedCustom, Decide(LessonAllowTable.Empty, "chess.example").Reason);
        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "chess.example").Reason);
        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "friends.example").Reason);
        Assert.Equal(ReasonCode.DnsBlockedSchedule, Decide(LessonAllowTable.Empty, "arcade.example").Reason);
        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "arcade.example").Reason);
    }

    [Fact]
    public void SafeSearchAndYouTube_StillApplyInsideTheWindow()
    {
        var lessons = Table(Window(hosts: ["google.com", "youtube.com"]));

        var search = Decide(lessons, "www.google.com");
        Assert.Equal((VerdictAction.Rewrite, ReasonCode.DnsSafeSearch), (search.Action, search.Reason));
        var video = Decide(lessons, "www.youtube.com");
        Assert.Equal((VerdictAction.Rewrite, SafeSearchTarget.YouTubeStrict), (video.Action, video.Target));
    }

    [Fact]
    public void ManyWindows_BeyondOneChunk_EachKeepsItsHostGroupRoomAndTime()
    {
        // 300 windows in 5 chunks: lesson i is for room 10.20.(i % 250).0/24, host site-i.pills.example, hour i.
        var windows = Enumerable.Range(0, 300).Select(i => new LessonWindow($"lesson-{i}", [$"site-{i}.pills.example"], "secondary",
            $"10.20.{i % 250}.0/24", Start.AddHours(i), Start.AddHours(i + 1))).Reverse().ToArray();
        var lessons = LessonAllowTable.Build(windows);
        Assert.Equal(300, lessons.Count);

        foreach (var i in new[] { 0, 63, 64, 127, 200, 299 })
        {
            var at = Start.AddHours(i).AddMinutes(30);
            var room = $"10.20.{i % 250}.7";
            Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, $"site-{i}.pills.example", client: room, at: at).Reason);
            Assert.True(Decide(lessons, $"site-{i}.pills.example", client: room, at: at.AddHours(1)).IsBlocked);      // its window is over
            Assert.True(Decide(lessons, $"site-{i + 1}.pills.example", client: room, at: at).IsBlocked);              // the next lesson's site
            Assert.True(Decide(lessons, $"site-{i}.pills.example", client: $"10.20.{(i + 1) % 250}.7", at: at).IsBlocked);   // another room
        }
    }

    [Fact]
    public void ManyWindows_AtTheSameTime_AcrossChunks()
    {
        // 130 rooms with a lesson at the same hour: every chunk's span holds now, and each room gets only its own site.
        var windows = Enumerable.Range(0, 130).Select(i => new LessonWindow($"room-{i}", [$"r{i}.pills.example"], null,
            $"10.{i}.0.0/16", Start, End)).ToArray();
        var lessons = LessonAllowTable.Build(windows);

        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "r129.pills.example", client: "10.129.3.3").Reason);
        Assert.Equal(ReasonCode.DnsAllowedLesson, Decide(lessons, "r1.pills.example", client: "10.1.3.3").Reason);
        Assert.True(Decide(lessons, "r129.pills.example", client: "10.128.3.3").IsBlocked);
    }

    [Theory]
    [InlineData("http://pills.example/page", null, "lesson 'chemistry-9b': host[0]: 'http://pills.example/page'")]
    [InlineData("10.1.2.3", null, "lesson 'chemistry-9b': host[0]: '10.1.2.3'")]
    [InlineData("bad..name", null, "'bad..name'")]
    [InlineData("pills.example", "10.20.5/24", "lesson 'chemistry-9b': subnet '10.20.5/24'")]
    [InlineData("pills.example", "10.20.5.0/33", "lesson 'chemistry-9b': subnet '10.20.5.0/33'")]
    public void Build_BadHostOrSubnet_NamesTheLessonAndTheValue(string host, string? subnet, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Table(Window(subnet: subnet, hosts: host)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NoGroupNorSubnet_EndNotAfterStart_NoId_Refused()
    {
        Assert.Contains("'chemistry-9b': a window needs a group or a subnet",
            Assert.Throws<FormatException>(() => Table(Window(group: null, subnet: null))).Message, StringComparison.Ordinal);
        Assert.Contains("'chemistry-9b': the window's end",
            Assert.Throws<FormatException>(() => Table(Window(end: Start))).Message, StringComparison.Ordinal);
        Assert.Contains("no lesson id", Assert.Throws<FormatException>(() => Table(Window(id: " "))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_OneBadWindowAmongMany_RefusesTheWholeTable()
    {
        var windows = Enumerable.Range(0, 100).Select(i => Window(id: $"l{i}", hosts: i == 70 ? "not a host" : "pills.example"));
        var error = Assert.Throws<FormatException>(() => LessonAllowTable.Build(windows));
        Assert.Contains("lesson 'l70'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_SwapLessons_TakesEffectWithoutAPolicyVersion()
    {
        var engine = new PolicyEngine(Snapshot);
        var client = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("10.20.1.5"), 1));
        var name = TestNames.Wire("pills.example");

        Assert.True(engine.Decide(new RequestFacts(name, DnsType.A, client, RequestSource.DnsUdp, Start)).IsBlocked);
        engine.SwapLessons(Table(Window()));
        Assert.Equal(ReasonCode.DnsAllowedLesson, engine.Decide(new RequestFacts(name, DnsType.A, client, RequestSource.DnsUdp, Start)).Reason);
        Assert.Same(Snapshot, engine.Snapshot);
        engine.SwapLessons(LessonAllowTable.Empty);
        Assert.True(engine.Decide(new RequestFacts(name, DnsType.A, client, RequestSource.DnsUdp, Start)).IsBlocked);
    }

    [Fact]
    public void Deciding_WithAPopulatedTable_AllocatesNothing()
    {
        var windows = Enumerable.Range(0, 150).Select(i => new LessonWindow($"l{i}", [$"s{i}.pills.example", "friends.example"],
            i % 2 == 0 ? "secondary" : null, i % 3 == 0 ? "10.20.1.0/24" : null, Start, End)).Where(w => w.Group is not null || w.Subnet is not null);
        var engine = new PolicyEngine(Snapshot);
        engine.SwapLessons(LessonAllowTable.Build(windows));
        var address = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("10.20.1.5"), 1234));
        var names = new[] { "s4.pills.example", "s3.pills.example", "friends.example", "pills.example", "img.abuse.example", "school.example" }
            .Select(TestNames.Wire).ToArray();
        var allowedByLesson = 0;
        void Round()
        {
            foreach (var name in names)
            {
                allowedByLesson += engine.Decide(new RequestFacts(name, DnsType.A, address, RequestSource.DnsUdp, Start)).Reason == ReasonCode.DnsAllowedLesson ? 1 : 0;
            }
        }

        Round();
        Assert.Equal(3, allowedByLesson);   // s4 (group), s3 (room), friends (both): the table is really consulted

        // A per-request allocation shows in every batch; the JIT's tiering (on-stack replacement, a rejit on a busy
        // machine) allocates once, in one batch at most. So: warm up, then the least of three batches must be zero.
        var batches = new long[3];
        for (var b = -1; b < batches.Length; b++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1_000; i++)
            {
                Round();
            }

            if (b >= 0)
            {
                batches[b] = GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }

        Assert.Equal(0, batches.Min());
    }
}
