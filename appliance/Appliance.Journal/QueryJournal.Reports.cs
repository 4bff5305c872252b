using Appliance.Core.Lists;

namespace Appliance.Journal;

/// <summary>The journal's aggregates for reports: blocks by category and group, the daily trend, the most blocked names.</summary>
public sealed partial class QueryJournal
{
    /// <summary>
    /// Blocks in [from, to) counted per UTC day, group and category mask: one pass over the blocked rows (the partial
    /// index on <c>at</c>) from which the Reports page derives every block table and chart (<see cref="BlockSummary"/>),
    /// instead of one scan per table. A few thousand cells at most (days × groups × the masks actually seen).
    /// </summary>
    public IReadOnlyList<BlockCell> BlockCells(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT at / 86400000, grp, categories, COUNT(*) FROM dns_events
                WHERE flags & 8 != 0 AND at >= $from AND at < $to GROUP BY at / 86400000, grp, categories
                """;
            command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
            using var reader = command.ExecuteReader();
            var cells = new List<BlockCell>();
            while (reader.Read())
            {
                cells.Add(new BlockCell(DateOnly.FromDayNumber(EpochDay + (int)reader.GetInt64(0)), reader.GetString(1),
                    unchecked((ulong)reader.GetInt64(2)), reader.GetInt64(3)));
            }

            return cells;
        }
    }

    /// <summary>Blocks per UTC day and group in [from, to); days without blocks are absent.</summary>
    public IReadOnlyList<GroupDayCount> BlocksByGroup(DateTimeOffset from, DateTimeOffset to) => BlockSummary.From(BlockCells(from, to)).GroupTrend;

    private static readonly int EpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>Blocks per category and group in [from, to).</summary>
    public IReadOnlyList<CategoryCount> BlocksByCategory(DateTimeOffset from, DateTimeOffset to)
    {
        var counts = new Dictionary<(string, string), long>();
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT categories, grp, COUNT(*) FROM dns_events
                WHERE flags & 8 != 0 AND at >= $from AND at < $to GROUP BY categories, grp
                """;
            command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var mask = unchecked((ulong)reader.GetInt64(0));
                var group = reader.GetString(1);
                var n = reader.GetInt64(2);
                foreach (var category in Enum.GetValues<Category>())
                {
                    if ((mask & Categories.Bit(category)) != 0)
                    {
                        var key = (Categories.Name(category), group);
                        counts[key] = counts.GetValueOrDefault(key) + n;
                    }
                }

                if (mask == 0)
                {
                    counts[("(custom)", group)] = counts.GetValueOrDefault(("(custom)", group)) + n;
                }
            }
        }

        return [.. counts.Select(c => new CategoryCount(c.Key.Item1, c.Key.Item2, c.Value)).OrderByDescending(c => c.Blocks).ThenBy(c => c.Category, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Blocks per day and category in [from, to) (days in UTC), for the governors' trend charts: is self-harm
    /// searching rising this term? Days without blocks are absent.
    /// </summary>
    public IReadOnlyList<DayCount> Trend(DateTimeOffset from, DateTimeOffset to)
    {
        var counts = new SortedDictionary<(DateOnly, string), long>();
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT at / 86400000, categories, COUNT(*) FROM dns_events
                WHERE flags & 8 != 0 AND at >= $from AND at < $to GROUP BY at / 86400000, categories
                """;
            command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var day = DateOnly.FromDateTime(DateTime.UnixEpoch.AddDays(reader.GetInt64(0)));
                var mask = unchecked((ulong)reader.GetInt64(1));
                var n = reader.GetInt64(2);
                foreach (var name in mask == 0 ? ["(custom)"] : Categories.Describe(mask).Split(", "))
                {
                    counts[(day, name)] = counts.GetValueOrDefault((day, name)) + n;
                }
            }
        }

        return [.. counts.Select(c => new DayCount(c.Key.Item1, c.Key.Item2, c.Value))];
    }

    /// <summary>The most blocked names in [from, to), with how many distinct clients asked.</summary>
    public IReadOnlyList<NameCount> TopBlocked(DateTimeOffset from, DateTimeOffset to, int limit)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT name, COUNT(*) AS n, COUNT(DISTINCT client) FROM dns_events
                WHERE flags & 8 != 0 AND at >= $from AND at < $to GROUP BY name ORDER BY n DESC, name LIMIT $limit
                """;
            command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            var result = new List<NameCount>();
            while (reader.Read())
            {
                result.Add(new NameCount(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }

            return result;
        }
    }
}
