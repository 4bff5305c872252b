using Appliance.Core.Policy;

namespace Appliance.Core.Tests.Policy;

public sealed class PolicyCompilerTests
{
    private static PolicyException Invalid(PolicyDocument document)
        => Assert.Throws<PolicyException>(() => PolicyCompiler.Compile(document, PolicyLists.None, 1));

    private static PolicyDocument WithGroup(GroupDefinition group) => new() { Groups = [group with { Name = "default" }] };

    [Fact]
    public void Default_Compiles() => Assert.Single(PolicyCompiler.Compile(PolicyCompiler.DefaultDocument, PolicyLists.None, 1).Groups);

    [Fact]
    public void School_Compiles() => Assert.Equal(3, PolicyCompiler.Compile(PolicyEngineTests.School, PolicyLists.None, 1).Groups.Count);

    [Theory]
    [InlineData("porn", "groups[0].blockedCategories: 'porn' is not a category")]
    [InlineData("statutory-iwf", "is a locked statutory list")]
    public void UnknownOrLockedCategory_NamedInTheError(string category, string expected)
    {
        var ex = Invalid(WithGroup(new GroupDefinition { BlockedCategories = [category] }));
        Assert.Contains(ex.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void EveryProblemIsListed_EachNamingItsField()
    {
        var ex = Invalid(new PolicyDocument
        {
            TimeZone = "Mars/Olympus",
            DefaultGroup = "nobody",
            Groups =
            [
                new GroupDefinition
                {
                    Name = "a",
                    YouTube = "sometimes",
                    Allow = ["http://x.example/path", "10.0.0.1"],
                    Schedules =
                    [
                        new ScheduleDefinition { Days = ["funday"], From = "25:00", To = "9", When = "term", Unblock = ["malware"] },
                    ],
                },
                new GroupDefinition { Name = "A" },
            ],
            Subnets = [new SubnetDefinition { Subnet = "10.0.0.0/33", Group = "a" }, new SubnetDefinition { Subnet = "10.1.0.0/16", Group = "b" }],
            Terms = [new TermDefinition { Start = "2026-12-01", End = "2026-11-01" }],
        });

        string[] expected =
        [
            "timeZone: 'Mars/Olympus'",
            "defaultGroup: there is no group 'nobody'",
            "groups[0].youTube: 'sometimes'",
            "groups[0].allow[0]: 'http://x.example/path'",
            "groups[0].allow[1]: '10.0.0.1'",
            "groups[0].schedules[0].days: 'funday'",
            "groups[0].schedules[0].from: '25:00'",
            "groups[0].schedules[0].to: '9'",
            "groups[0].schedules[0].unblock: malware is a security category",
            "groups[1].name: 'A' is used by another group",
            "subnets[0].subnet: '10.0.0.0/33'",
            "subnets[1].group: there is no group 'b'",
            "terms[0]: ends (2026-11-01) before it starts (2026-12-01)",
        ];
        foreach (var e in expected)
        {
            Assert.Contains(ex.Errors, error => error.StartsWith(e, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TermSchedule_WithoutTermDates_Refused()
    {
        var ex = Invalid(WithGroup(new GroupDefinition { Schedules = [new ScheduleDefinition { When = "term", Block = ["games"] }] }));
        Assert.Contains(ex.Errors, e => e.Contains("needs term dates", StringComparison.Ordinal));
    }

    [Fact]
    public void TooManyGroups_Refused()
    {
        var groups = Enumerable.Range(0, PolicyCompiler.MaxGroups + 1).Select(i => new GroupDefinition { Name = i == 0 ? "default" : $"g{i}" });
        var ex = Invalid(new PolicyDocument { Groups = [.. groups] });
        Assert.Contains(ex.Errors, e => e.StartsWith("groups: at most 64", StringComparison.Ordinal));
    }

    [Fact]
    public void Json_RoundTrips_AndUnknownKeysAreErrors()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(PolicyEngineTests.School, PolicyJsonContext.Default.PolicyDocument);
        var back = System.Text.Json.JsonSerializer.Deserialize(json, PolicyJsonContext.Default.PolicyDocument)!;
        Assert.Equal(json, System.Text.Json.JsonSerializer.Serialize(back, PolicyJsonContext.Default.PolicyDocument));
        Assert.ThrowsAny<System.Text.Json.JsonException>(
            () => System.Text.Json.JsonSerializer.Deserialize("""{"groupz": []}""", PolicyJsonContext.Default.PolicyDocument));
    }

    [Fact]
    public void Json_LeftOutFields_KeepTheirDefaults()
    {
        var document = System.Text.Json.JsonSerializer.Deserialize(
            """{"groups": [{"name": "default", "schedules": [{"block": ["games"]}]}]}""", PolicyJsonContext.Default.PolicyDocument)!;

        Assert.Equal(["malware"], document.SecurityCategories);
        Assert.Empty(document.Groups[0].Allow);
        Assert.Empty(document.Groups[0].Schedules[0].Unblock);
        Assert.Equal("moderate", document.Groups[0].YouTube);
        Assert.Single(PolicyCompiler.Compile(document, PolicyLists.None, 1).Groups);
    }
}
