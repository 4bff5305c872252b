using Appliance.Host.Configuration;

namespace Appliance.Host.Tests.Configuration;

public sealed class LessonSettingsTests
{
    private static readonly CliOverrides Cli = new() { Upstreams = ["192.0.2.1:53"] };

    [Fact]
    public void Lessons_are_on_with_defaults_and_the_section_sets_every_value()
    {
        var defaults = SettingsBuilder.Build(null, "local default", Cli).Lessons;
        Assert.Equal((true, null, TimeSpan.FromHours(24), 2048L << 20, 10L << 20, 100L << 20, TimeSpan.FromDays(1)),
            (defaults.Enabled, defaults.MirrorHostName, defaults.PrefetchLead, defaults.QuotaBytes, defaults.ResourceBytes, defaults.LessonBytes, defaults.KeepAfter));

        var set = SettingsBuilder.Build(ConfigLoader.Parse("""
            { "lessons": { "enabled": false, "mirrorHostName": "Lessons.School.Internal.", "mirrorAddress": "192.0.2.10",
                           "prefetchLeadHours": 12, "quotaMb": 512, "resourceMb": 5, "lessonMb": 50, "keepDays": 3, "fetchFrom": "private" } }
            """, "school.json"), "school.json", Cli).Lessons;
        Assert.Equal((false, "lessons.school.internal", "192.0.2.10", TimeSpan.FromHours(12), 512L << 20, 5L << 20, 50L << 20, TimeSpan.FromDays(3)),
            (set.Enabled, set.MirrorHostName, set.MirrorAddress?.ToString(), set.PrefetchLead, set.QuotaBytes, set.ResourceBytes, set.LessonBytes, set.KeepAfter));
        Assert.Equal(Appliance.Lessons.Fetch.FetchAddresses.Private, set.FetchFrom);
        Assert.Equal(Appliance.Lessons.Fetch.FetchAddresses.Public, defaults.FetchFrom);
    }

    [Fact]
    public void Every_problem_in_the_lessons_section_is_named()
    {
        var ex = Assert.Throws<ConfigException>(() => SettingsBuilder.Build(ConfigLoader.Parse("""
            { "lessons": { "mirrorHostName": "lessons", "mirrorAddress": "10.0.0", "resourceMb": 200, "lessonMb": 100, "quotaMb": 50, "fetchFrom": "lan" } }
            """, "school.json"), "school.json", Cli));
        var lines = ex.Message.Split(Environment.NewLine);

        Assert.Contains(lines, l => l.StartsWith("school.json: lessons.mirrorHostName: 'lessons' is not a host name", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("school.json: lessons.mirrorAddress: '10.0.0' is not an IP address", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("school.json: lessons.resourceMb: (200) is larger than lessons.lessonMb (100)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("school.json: lessons.lessonMb: (100) is larger than lessons.quotaMb (50)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("school.json: lessons.fetchFrom: ", StringComparison.Ordinal));

        ex = Assert.Throws<ConfigException>(() => SettingsBuilder.Build(ConfigLoader.Parse("""
            { "lessons": { "mirrorHostName": "lessons.school.internal" } }
            """, "school.json"), "school.json", Cli));
        Assert.Contains(ex.Message.Split(Environment.NewLine), l => l.StartsWith("school.json: lessons.mirrorAddress: is missing", StringComparison.Ordinal));
    }
}
