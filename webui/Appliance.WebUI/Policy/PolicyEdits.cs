using Appliance.Core.Lists;
using Appliance.Core.Policy;

namespace Appliance.WebUI.Policy;

/// <summary>
/// The page's forms as changes to a whole document: a proposal always carries the complete policy it would make, so the
/// compiler validates it whole and the diff is taken against the version it was made against.
/// </summary>
public static class PolicyEdits
{
    /// <summary>The categories a school sets (every category but the locked statutory ones), in their stable order.</summary>
    public static IReadOnlyList<string> Configurable { get; } =
        [.. Enum.GetValues<Category>().Where(c => (Categories.Bit(c) & Categories.Locked) == 0).Select(Categories.Name)];

    /// <summary>A group's standing settings replaced by the form's; null when there is no such group.</summary>
    public static PolicyDocument? WithGroup(PolicyDocument document, string group, IReadOnlyList<string> blocked, bool safeSearch, string youTube,
        string? allow, string? deny)
        => Replace(document, group, g => g with
        {
            BlockedCategories = [.. blocked.Where(b => !string.IsNullOrWhiteSpace(b)).Distinct(StringComparer.OrdinalIgnoreCase)],
            SafeSearch = safeSearch,
            YouTube = youTube,
            Allow = Lines(allow),
            Deny = Lines(deny),
        });

    /// <summary>A schedule added to a group (or replacing the group's schedule of the same name).</summary>
    public static PolicyDocument? WithSchedule(PolicyDocument document, string group, ScheduleDefinition schedule)
        => Replace(document, group, g => g with
        {
            Schedules = [.. g.Schedules.Where(s => !string.Equals(s.Name, schedule.Name, StringComparison.OrdinalIgnoreCase)), schedule],
        });

    /// <summary>The group's schedule of that name removed.</summary>
    public static PolicyDocument? WithoutSchedule(PolicyDocument document, string group, string schedule)
        => Replace(document, group, g => g with
        {
            Schedules = [.. g.Schedules.Where(s => !string.Equals(s.Name, schedule, StringComparison.OrdinalIgnoreCase))],
        });

    /// <summary>"a, b c" or one a line → ["a", "b", "c"]: what people type in a text box.</summary>
    public static IReadOnlyList<string> Lines(string? text)
        => [.. (text ?? "").Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.OrdinalIgnoreCase)];

    private static PolicyDocument? Replace(PolicyDocument document, string group, Func<GroupDefinition, GroupDefinition> change)
    {
        var index = document.Groups.ToList().FindIndex(g => string.Equals(g.Name, group, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            return null;
        }

        var groups = document.Groups.ToArray();
        groups[index] = change(groups[index]);
        return document with { Groups = groups };
    }
}
