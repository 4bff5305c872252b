using Appliance.Core.Lists;

namespace Appliance.Journal.Alerts;

public enum AlertSeverity
{
    Low,
    Medium,
    High,
}

/// <summary>
/// A DSL alert rule: an event in any of the rule's categories (a bit mask; the statutory lists are categories
/// too) raises an alert of this severity — on blocks only, or on any query when <see cref="BlockedOnly"/> is false
/// (a category the school allows but wants to know about).
/// </summary>
public sealed record AlertRule(string Name, ulong Categories, AlertSeverity Severity, bool BlockedOnly = true)
{
    /// <summary>
    /// Without configuration: statutory-list hits, self-harm and extremism, all high (the Prevent duty and KCSIE's
    /// expectation that the DSL hears of these at once; ../shared/reference/school-requirements.md).
    /// </summary>
    public static IReadOnlyList<AlertRule> Defaults { get; } =
    [
        new("statutory-list", Appliance.Core.Lists.Categories.Locked, AlertSeverity.High),
        new("self-harm", Appliance.Core.Lists.Categories.Bit(Category.SelfHarm), AlertSeverity.High),
        new("extremism", Appliance.Core.Lists.Categories.Bit(Category.Extremism), AlertSeverity.High),
    ];
}

/// <summary>
/// One alert: which rule, who (client address, user when known, group), what (the name — statutory hits only as
/// their keyed hash — and its categories), when, and how many more of the same were held back by the rate limit.
/// </summary>
public sealed record Alert(long Id, DateTimeOffset At, string Rule, AlertSeverity Severity, string Client, string? User, string Group, string Name,
    ulong Categories, int Reason, bool Blocked, int Suppressed);
