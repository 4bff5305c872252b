using System.Text.Json.Serialization;

namespace Appliance.Core.Policy;

/// <summary>
/// The school's filtering policy as it is stored (SQLite, one JSON document per version), exchanged with the
/// Local Authority and edited by people: groups, which subnets they cover, their schedules, and the term dates.
/// <see cref="PolicyCompiler"/> validates it and turns it into the <see cref="PolicySnapshot"/> the hot path reads.
/// Names of categories are the kebab-case ones of <see cref="Lists.Categories.Name"/>. The properties have
/// setters, not init: System.Text.Json's source generator passes default values for left-out init properties,
/// which would wipe the defaults below (a document that leaves out "securityCategories" must keep malware).
/// </summary>
public sealed record PolicyDocument
{
    /// <summary>The school's time zone (IANA id): schedules and term dates are local times there.</summary>
    public string TimeZone { get; set; } = "Europe/London";

    /// <summary>The group of a client that no subnet and no identity places.</summary>
    public string DefaultGroup { get; set; } = "default";

    /// <summary>
    /// Categories blocked for every group, above any allow entry (DESIGN §5: "security" sits under the statutory
    /// lists and over approved allows). Malware and phishing by default.
    /// </summary>
    public IReadOnlyList<string> SecurityCategories { get; set; } = ["malware"];

    public IReadOnlyList<GroupDefinition> Groups { get; set; } = [];

    public IReadOnlyList<SubnetDefinition> Subnets { get; set; } = [];

    /// <summary>
    /// HTTPS (type 65) records of allowed names: "strip-ech" answers them with the <c>ech</c> parameter removed
    /// (browsers then send the real name in the clear ClientHello the packet filter reads); "nodata" answers
    /// NODATA, so browsers fall back to A/AAAA and lose the HTTP/3 hints too (packet-path.md §3.3).
    /// </summary>
    public string HttpsRecords { get; set; } = "strip-ech";

    /// <summary>Term dates; schedules marked "term" or "holiday" need them.</summary>
    public IReadOnlyList<TermDefinition> Terms { get; set; } = [];
}

/// <summary>One group of clients and what it may reach (DESIGN §2: Primary, Secondary, Sixth form, Staff, Guest…).</summary>
public sealed record GroupDefinition
{
    public string Name { get; set; } = "";

    /// <summary>Categories this group blocks at all times; "all" blocks every category a list carries.</summary>
    public IReadOnlyList<string> BlockedCategories { get; set; } = [];

    /// <summary>
    /// Names this group may reach even if a category blocks them (never above the statutory lists or the security
    /// categories). "example.org" covers the name and its subdomains; "=example.org" the exact name only.
    /// </summary>
    public IReadOnlyList<string> Allow { get; set; } = [];

    /// <summary>Names this group may not reach, in the same notation as <see cref="Allow"/>.</summary>
    public IReadOnlyList<string> Deny { get; set; } = [];

    /// <summary>Forces safe search on Google, Bing, DuckDuckGo, Brave and Ecosia. An allow entry never switches it off.</summary>
    public bool SafeSearch { get; set; } = true;

    /// <summary>"off", "moderate" or "strict" YouTube Restricted Mode.</summary>
    public string YouTube { get; set; } = "moderate";

    public IReadOnlyList<ScheduleDefinition> Schedules { get; set; } = [];
}

/// <summary>
/// A weekly window in which the group blocks more categories, or unblocks some (e.g. a stricter lesson-time
/// profile; social media at lunch for the sixth form). A window whose end is before its start runs overnight.
/// </summary>
public sealed record ScheduleDefinition
{
    public string Name { get; set; } = "";

    /// <summary>"mon" … "sun", or "weekdays", "weekend", "every day"; empty means every day.</summary>
    public IReadOnlyList<string> Days { get; set; } = [];

    /// <summary>Local start time, "HH:mm".</summary>
    public string From { get; set; } = "00:00";

    /// <summary>Local end time, "HH:mm" (exclusive); "24:00" for midnight at the end of the day.</summary>
    public string To { get; set; } = "24:00";

    /// <summary>"always", "term" (only on term days) or "holiday" (only outside terms).</summary>
    public string When { get; set; } = "always";

    public IReadOnlyList<string> Block { get; set; } = [];

    public IReadOnlyList<string> Unblock { get; set; } = [];
}

/// <summary>Clients in a subnet belong to a group (wired rooms, VLANs, unauthenticated devices).</summary>
public sealed record SubnetDefinition
{
    /// <summary>"10.20.0.0/16", "2001:db8:5::/48" or one address.</summary>
    public string Subnet { get; set; } = "";

    public string Group { get; set; } = "";
}

/// <summary>A term (or half term) from its first to its last day, both inclusive, "yyyy-MM-dd".</summary>
public sealed record TermDefinition
{
    public string Name { get; set; } = "";

    public string Start { get; set; } = "";

    public string End { get; set; } = "";
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    WriteIndented = true)]
[JsonSerializable(typeof(PolicyDocument))]
public sealed partial class PolicyJsonContext : JsonSerializerContext;
