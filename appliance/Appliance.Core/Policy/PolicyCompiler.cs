using System.Globalization;
using Appliance.Core.Lists;
using Appliance.Core.Net;

namespace Appliance.Core.Policy;

/// <summary>A policy document that cannot be applied; every problem is listed, each naming its field.</summary>
public sealed class PolicyException : Exception
{
    public PolicyException(IReadOnlyList<string> errors)
        : base("the policy is not valid: " + string.Join("; ", errors)) => Errors = errors;

    public PolicyException()
        : this([])
    {
    }

    public PolicyException(string message)
        : this([message])
    {
    }

    public PolicyException(string message, Exception inner)
        : base(message, inner) => Errors = [message];

    public IReadOnlyList<string> Errors { get; }
}

/// <summary>
/// Validates a <see cref="PolicyDocument"/> and compiles it with the lists into a <see cref="PolicySnapshot"/>.
/// Runs off the hot path (start-up, a policy change, a list refresh); all or nothing: a document with any
/// error compiles to nothing and the running policy stays.
/// </summary>
public static class PolicyCompiler
{
    /// <summary>At most 64 groups: each has one bit in the custom allow/deny sets.</summary>
    public const int MaxGroups = 64;

    /// <summary>
    /// The policy of a box nobody has configured yet: one group that blocks every category a loaded list carries,
    /// with safe search on and YouTube moderate.
    /// </summary>
    public static PolicyDocument DefaultDocument { get; } = new()
    {
        Groups = [new GroupDefinition { Name = "default", BlockedCategories = ["all"] }],
    };

    /// <exception cref="PolicyException">The document has errors; the message lists them.</exception>
    public static PolicySnapshot Compile(PolicyDocument document, PolicyLists lists, long version)
    {
        var errors = new List<string>();
        var clock = CompileClock(document, errors);
        var terms = CompileTerms(document, errors);
        var security = CompileCategories(document.SecurityCategories, "securityCategories", errors);
        var httpsNoData = document.HttpsRecords.ToLowerInvariant() switch
        {
            "strip-ech" => false,
            "nodata" => true,
            _ => Error(errors, $"httpsRecords: '{document.HttpsRecords}' is not strip-ech or nodata", false),
        };
        if (document.Groups.Count == 0)
        {
            errors.Add("groups: a policy needs at least one group");
        }
        else if (document.Groups.Count > MaxGroups)
        {
            errors.Add($"groups: at most {MaxGroups} groups, not {document.Groups.Count}");
        }

        var groups = new List<GroupPolicy>();
        var allow = new DomainSetBuilder();
        var deny = new DomainSetBuilder();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < document.Groups.Count && i < MaxGroups; i++)
        {
            var g = document.Groups[i];
            var at = $"groups[{i}]";
            if (string.IsNullOrWhiteSpace(g.Name))
            {
                errors.Add($"{at}.name: a group needs a name");
            }
            else if (!names.Add(g.Name))
            {
                errors.Add($"{at}.name: '{g.Name}' is used by another group");
            }

            var blocked = CompileCategories(g.BlockedCategories, $"{at}.blockedCategories", errors);
            var youTube = g.YouTube.ToLowerInvariant() switch
            {
                "off" => YouTubeMode.Off,
                "moderate" => YouTubeMode.Moderate,
                "strict" => YouTubeMode.Strict,
                _ => Error(errors, $"{at}.youTube: '{g.YouTube}' is not off, moderate or strict", YouTubeMode.Moderate),
            };
            var rules = g.Schedules.Select((s, j) => CompileSchedule(s, $"{at}.schedules[{j}]", terms, security, errors)).ToList();
            AddEntries(allow, g.Allow, 1UL << i, $"{at}.allow", errors);
            AddEntries(deny, g.Deny, 1UL << i, $"{at}.deny", errors);
            groups.Add(new GroupPolicy(g.Name, i, blocked, g.SafeSearch, youTube, rules));
        }

        var defaultGroup = groups.FindIndex(g => string.Equals(g.Name, document.DefaultGroup, StringComparison.OrdinalIgnoreCase));
        if (defaultGroup < 0 && groups.Count > 0)
        {
            errors.Add($"defaultGroup: there is no group '{document.DefaultGroup}'");
        }

        var subnets = SubnetMap.Empty;
        var subnetGroups = new List<(string, int)>();
        for (var i = 0; i < document.Subnets.Count; i++)
        {
            var s = document.Subnets[i];
            var index = groups.FindIndex(g => string.Equals(g.Name, s.Group, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                errors.Add($"subnets[{i}].group: there is no group '{s.Group}'");
            }
            else if (!SubnetMap.TryParse(s.Subnet, out _, out var error))
            {
                errors.Add($"subnets[{i}].subnet: '{s.Subnet}': {error}");
            }
            else
            {
                subnetGroups.Add((s.Subnet, index));
            }
        }

        if (errors.Count > 0)
        {
            throw new PolicyException(errors);
        }

        subnets = SubnetMap.Build(subnetGroups);
        return new PolicySnapshot(version, document, lists, [.. groups], defaultGroup, subnets, allow.Build(), deny.Build(), security, clock!, terms)
        {
            HttpsNoData = httpsNoData,
        };
    }

    /// <summary>The problems with a document, without compiling it; empty when it is valid.</summary>
    public static IReadOnlyList<string> Validate(PolicyDocument document)
    {
        try
        {
            Compile(document, PolicyLists.None, 0);
            return [];
        }
        catch (PolicyException ex)
        {
            return ex.Errors;
        }
    }

    private static SchoolClock? CompileClock(PolicyDocument document, List<string> errors)
    {
        try
        {
            return new SchoolClock(TimeZoneInfo.FindSystemTimeZoneById(document.TimeZone));
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            errors.Add($"timeZone: '{document.TimeZone}' is not a time zone this system knows (use an IANA name such as Europe/London)");
            return null;
        }
    }

    private static TermCalendar CompileTerms(PolicyDocument document, List<string> errors)
    {
        var terms = new List<(DateOnly, DateOnly)>();
        for (var i = 0; i < document.Terms.Count; i++)
        {
            var t = document.Terms[i];
            var okStart = DateOnly.TryParseExact(t.Start, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start);
            var okEnd = DateOnly.TryParseExact(t.End, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end);
            if (!okStart)
            {
                errors.Add($"terms[{i}].start: '{t.Start}' is not a date (yyyy-MM-dd)");
            }

            if (!okEnd)
            {
                errors.Add($"terms[{i}].end: '{t.End}' is not a date (yyyy-MM-dd)");
            }

            if (okStart && okEnd && end < start)
            {
                errors.Add($"terms[{i}]: ends ({t.End}) before it starts ({t.Start})");
            }
            else if (okStart && okEnd)
            {
                terms.Add((start, end));
            }
        }

        return terms.Count == 0 ? TermCalendar.None : new TermCalendar(terms);
    }

    private static ulong CompileCategories(IReadOnlyList<string> names, string at, List<string> errors)
    {
        ulong mask = 0;
        foreach (var name in names)
        {
            if (string.Equals(name, "all", StringComparison.OrdinalIgnoreCase))
            {
                mask |= ~Categories.Locked;
            }
            else if (!Categories.TryParse(name, out var category))
            {
                errors.Add($"{at}: '{name}' is not a category (known: {Categories.Describe(~Categories.Locked)})");
            }
            else if ((Categories.Bit(category) & Categories.Locked) != 0)
            {
                errors.Add($"{at}: '{name}' is a locked statutory list; it is always blocked and cannot be configured");
            }
            else
            {
                mask |= Categories.Bit(category);
            }
        }

        return mask;
    }

    private static ScheduleRule CompileSchedule(ScheduleDefinition s, string at, TermCalendar terms, ulong security, List<string> errors)
    {
        byte days = 0;
        foreach (var day in s.Days.Count == 0 ? ["every day"] : s.Days)
        {
            days |= day.ToLowerInvariant() switch
            {
                "sun" or "sunday" => ScheduleRule.DayBit(DayOfWeek.Sunday),
                "mon" or "monday" => ScheduleRule.DayBit(DayOfWeek.Monday),
                "tue" or "tuesday" => ScheduleRule.DayBit(DayOfWeek.Tuesday),
                "wed" or "wednesday" => ScheduleRule.DayBit(DayOfWeek.Wednesday),
                "thu" or "thursday" => ScheduleRule.DayBit(DayOfWeek.Thursday),
                "fri" or "friday" => ScheduleRule.DayBit(DayOfWeek.Friday),
                "sat" or "saturday" => ScheduleRule.DayBit(DayOfWeek.Saturday),
                "weekdays" => 0b0111110,
                "weekend" => 0b1000001,
                "every day" or "daily" => 0b1111111,
                _ => Error(errors, $"{at}.days: '{day}' is not a day (mon … sun, weekdays, weekend, every day)", (byte)0),
            };
        }

        var from = ParseTime(s.From, $"{at}.from", allowEndOfDay: false, errors);
        var to = ParseTime(s.To, $"{at}.to", allowEndOfDay: true, errors);
        var when = s.When.ToLowerInvariant() switch
        {
            "always" => ScheduleWhen.Always,
            "term" => ScheduleWhen.Term,
            "holiday" => ScheduleWhen.Holiday,
            _ => Error(errors, $"{at}.when: '{s.When}' is not always, term or holiday", ScheduleWhen.Always),
        };
        if (when != ScheduleWhen.Always && terms.IsEmpty)
        {
            errors.Add($"{at}.when: '{s.When}' needs term dates, and the policy has none");
        }

        var block = CompileCategories(s.Block, $"{at}.block", errors);
        var unblock = CompileCategories(s.Unblock, $"{at}.unblock", errors);
        if ((unblock & security) != 0)
        {
            errors.Add($"{at}.unblock: {Categories.Describe(unblock & security)} is a security category, blocked for everyone at all times");
        }

        if (block == 0 && unblock == 0)
        {
            errors.Add($"{at}: a schedule must block or unblock at least one category");
        }

        return new ScheduleRule(s.Name, days, from, to, when, block, unblock);
    }

    private static int ParseTime(string text, string at, bool allowEndOfDay, List<string> errors)
    {
        if (allowEndOfDay && text == "24:00")
        {
            return ScheduleRule.MinutesPerDay;
        }

        if (TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return (time.Hour * 60) + time.Minute;
        }

        errors.Add($"{at}: '{text}' is not a time (HH:mm{(allowEndOfDay ? ", or 24:00" : "")})");
        return 0;
    }

    // "example.org" → the name and its subdomains; "=example.org" → that name only. Lesson windows use it too.
    internal static void AddEntries(DomainSetBuilder builder, IReadOnlyList<string> entries, ulong bit, string at, List<string> errors)
    {
        Span<char> name = stackalloc char[256];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i].Trim();
            var exact = entry.StartsWith('=');
            var reason = ListParser.Normalize(exact ? entry.AsSpan(1) : entry, name, out var length, out _);
            if (reason is not null)
            {
                errors.Add($"{at}[{i}]: '{entries[i]}': {reason}");
                continue;
            }

            builder.Add(name[..length], bit, exactOnly: exact);
        }
    }

    private static T Error<T>(List<string> errors, string message, T fallback)
    {
        errors.Add(message);
        return fallback;
    }
}
