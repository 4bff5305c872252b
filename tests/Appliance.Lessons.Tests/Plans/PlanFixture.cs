using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.Lessons.Plans;
using Appliance.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Lessons.Tests.Plans;

/// <summary>
/// A school in London on Monday 30 Nov 2026 at 08:00 (UTC = local in winter), with pupils who block games and social
/// media, staff who block nothing extra, a room subnet for the pupils, term dates, a statutory entry and a phishing site.
/// </summary>
internal sealed class PlanFixture : IDisposable
{
    public static readonly DateTimeOffset Monday0800 = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    private readonly string _dir = Directory.CreateTempSubdirectory("lessons-plans-").FullName;

    public PlanFixture()
    {
        Time = new FakeTimeProvider(Monday0800);
        Store = LessonStore.Open(Path.Combine(_dir, "lessons.db"));
        Policy = PolicyCompiler.Compile(Document, Lists(), 1);
        Planner = new LessonPlanner(Store, () => Policy, Audit, Time);
    }

    public static PolicyDocument Document { get; } = new()
    {
        TimeZone = "Europe/London",
        DefaultGroup = "pupils",
        Groups =
        [
            new GroupDefinition { Name = "pupils", BlockedCategories = ["games", "social-media"], Deny = ["denied.example"] },
            new GroupDefinition { Name = "staff", BlockedCategories = [] },
        ],
        Subnets = [new SubnetDefinition { Subnet = "10.20.0.0/16", Group = "pupils" }],
        Terms = [new TermDefinition { Name = "Autumn", Start = "2026-09-03", End = "2026-12-18" }, new TermDefinition { Name = "Spring", Start = "2027-01-05", End = "2027-03-26" }],
    };

    public FakeTimeProvider Time { get; }

    public LessonStore Store { get; }

    public PolicySnapshot Policy { get; set; }

    public RecordingAudit Audit { get; } = new();

    public LessonPlanner Planner { get; }

    public static LessonActor Teacher { get; } = new("ms.jones", LessonRole.Teacher);

    public static LessonActor OtherTeacher { get; } = new("mr.smith", LessonRole.Teacher);

    public static LessonActor Dsl { get; } = new("dsl.patel", LessonRole.Approver);

    public static LessonActor Head { get; } = new("head.brown", LessonRole.Viewer);

    public static PolicyLists Lists(Action<DomainSetBuilder>? more = null)
    {
        var blocked = new DomainSetBuilder();
        blocked.Add("arcade.example", Categories.Bit(Category.Games));
        blocked.Add("phish.example", Categories.Bit(Category.Malware));
        more?.Invoke(blocked);
        var statutory = new DomainSetBuilder();
        statutory.Add("abuse.example", Categories.Bit(Category.StatutoryIwf));
        return new PolicyLists(blocked.Build(), DomainSet.Empty, statutory.Build());
    }

    /// <summary>Tuesday 1 Dec 2026 09:00–10:00 for the pupils, with the given sites.</summary>
    public static LessonDraft Draft(params string[] urls) => new(
        "Volcanoes", "pupils", null, new LessonTiming(new DateOnly(2026, 12, 1), new TimeOnly(9, 0), new TimeOnly(10, 0), false, null),
        [.. urls.Select(u => new SiteDraft(u, "read this"))]);

    public void Dispose()
    {
        Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
