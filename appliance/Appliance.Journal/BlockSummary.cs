using Appliance.Core.Lists;

namespace Appliance.Journal;

/// <summary>Blocks on one UTC day, in one group, by lists of these categories (0: a custom block list or rule).</summary>
public sealed record BlockCell(DateOnly Day, string Group, ulong Categories, long Blocks);

/// <summary>Blocks of one group on one day (UTC).</summary>
public sealed record GroupDayCount(DateOnly Day, string Group, long Blocks);

/// <summary>Blocks of one category or one group over a whole period.</summary>
public sealed record NamedCount(string Name, long Blocks);

/// <summary>
/// The report's block tables, all derived from one set of <see cref="BlockCell"/>s. A block by a name listed in two
/// categories counts once in each category (and once in its group and in the total), so the category column may add up
/// to more than the total: the table says what was blocked as what, not a partition.
/// </summary>
public sealed record BlockSummary(
    long Total,
    IReadOnlyList<NamedCount> ByCategory,
    IReadOnlyList<NamedCount> ByGroup,
    IReadOnlyList<DayCount> CategoryTrend,
    IReadOnlyList<GroupDayCount> GroupTrend)
{
    /// <summary>What a block with no category (a custom list or a rule) is reported as.</summary>
    public const string Custom = "(custom)";

    public static BlockSummary From(IReadOnlyList<BlockCell> cells)
    {
        long total = 0;
        var byCategory = new Dictionary<string, long>(StringComparer.Ordinal);
        var byGroup = new Dictionary<string, long>(StringComparer.Ordinal);
        var categoryTrend = new Dictionary<(DateOnly, string), long>();
        var groupTrend = new Dictionary<(DateOnly, string), long>();
        var names = new Dictionary<ulong, string[]>();
        foreach (var cell in cells)
        {
            total += cell.Blocks;
            Add(byGroup, cell.Group, cell.Blocks);
            Add(groupTrend, (cell.Day, cell.Group), cell.Blocks);
            if (!names.TryGetValue(cell.Categories, out var categories))
            {
                categories = names[cell.Categories] = CategoryNames(cell.Categories);
            }

            foreach (var category in categories)
            {
                Add(byCategory, category, cell.Blocks);
                Add(categoryTrend, (cell.Day, category), cell.Blocks);
            }
        }

        return new BlockSummary(
            total,
            Ranked(byCategory),
            Ranked(byGroup),
            [.. categoryTrend.OrderBy(c => c.Key.Item1).ThenBy(c => c.Key.Item2, StringComparer.Ordinal).Select(c => new DayCount(c.Key.Item1, c.Key.Item2, c.Value))],
            [.. groupTrend.OrderBy(c => c.Key.Item1).ThenBy(c => c.Key.Item2, StringComparer.Ordinal).Select(c => new GroupDayCount(c.Key.Item1, c.Key.Item2, c.Value))]);
    }

    private static string[] CategoryNames(ulong mask) =>
        mask == 0 ? [Custom] : [.. Enum.GetValues<Category>().Where(c => (mask & Categories.Bit(c)) != 0).Select(Categories.Name)];

    private static void Add<TKey>(Dictionary<TKey, long> counts, TKey key, long n)
        where TKey : notnull => counts[key] = counts.GetValueOrDefault(key) + n;

    private static List<NamedCount> Ranked(Dictionary<string, long> counts) =>
        [.. counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => new NamedCount(c.Key, c.Value))];
}
