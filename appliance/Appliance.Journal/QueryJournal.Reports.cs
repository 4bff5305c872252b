using Appliance.Core.Events;
using Appliance.Core.Lists;
using Microsoft.Data.Sqlite;

namespace Appliance.Journal;

/// <summary>The journal's aggregates for reports: blocks by category and group, the daily trend, the most blocked names.</summary>
public sealed partial class QueryJournal
{
    // The daily rollup of blocks, kept as batches are written, so a report over 90 days reads a few thousand rows
    // instead of grouping every blocked event (a million-event journal took ~300 ms that way; the budget is 100 ms).
    private const string RollupSchema = """
        CREATE TABLE block_days (
            day        INTEGER NOT NULL,   -- days since 1970-01-01, UTC
            grp        TEXT    NOT NULL,
            categories INTEGER NOT NULL,
            blocks     INTEGER NOT NULL,
            PRIMARY KEY (day, grp, categories)
        ) WITHOUT ROWID;
        INSERT INTO block_days SELECT at / 86400000, grp, categories, COUNT(*) FROM dns_events WHERE flags & 8 != 0 GROUP BY 1, 2, 3;
        """;

    private readonly Dictionary<(long Day, string Group, ulong Categories), long> _batchBlocks = [];

    /// <summary>
    /// Blocks counted per UTC day, group and category mask, for the whole days from <paramref name="from"/>'s day up to
    /// <paramref name="to"/> (its day included when <paramref name="to"/> is past midnight): the Reports page derives every
    /// block table and chart from these (<see cref="BlockSummary"/>). Read from the daily rollup, a few thousand cells at most.
    /// </summary>
    public IReadOnlyList<BlockCell> BlockCells(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT day, grp, categories, blocks FROM block_days WHERE day >= $from AND day < $to";
            command.Parameters.AddWithValue("$from", DateOnly.FromDateTime(from.UtcDateTime).DayNumber - EpochDay);
            command.Parameters.AddWithValue("$to", DateOnly.FromDateTime(to.UtcDateTime).DayNumber - EpochDay + (to.UtcDateTime.TimeOfDay > TimeSpan.Zero ? 1 : 0));
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

    // Journals from before the rollup get it, filled from their blocks, the first time they are opened.
    private static void AddBlockRollup(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'block_days'";
        if ((long)command.ExecuteScalar()! == 0)
        {
            using var transaction = connection.BeginTransaction();
            command.Transaction = transaction;
            command.CommandText = RollupSchema;
            command.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    // Called for each event of a batch as it is written, and once at the end inside the batch's transaction: the rollup and
    // the rows it counts are committed together or not at all.
    private void CountBlock(in QueryEvent e, string group)
    {
        if ((e.Flags & QueryEventFlags.Blocked) != 0)
        {
            var key = (e.Time.ToUnixTimeMilliseconds() / 86_400_000, group, e.Categories);
            _batchBlocks[key] = _batchBlocks.GetValueOrDefault(key) + 1;
        }
    }

    // Whole days only: the cut-off day keeps its count (a day of blocks a year ago, at the edge of what reports reach).
    private void PruneBlockCounts(long beforeMs)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "DELETE FROM block_days WHERE day < $day";
        command.Parameters.AddWithValue("$day", beforeMs / 86_400_000);
        command.ExecuteNonQuery();
    }

    private void WriteBlockCounts(SqliteTransaction transaction)
    {
        if (_batchBlocks.Count == 0)
        {
            return;
        }

        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO block_days VALUES ($day, $grp, $categories, $blocks)
            ON CONFLICT (day, grp, categories) DO UPDATE SET blocks = blocks + excluded.blocks
            """;
        var (day, grp, categories, blocks) = (command.Parameters.Add("$day", SqliteType.Integer), command.Parameters.Add("$grp", SqliteType.Text),
            command.Parameters.Add("$categories", SqliteType.Integer), command.Parameters.Add("$blocks", SqliteType.Integer));
        foreach (var ((d, g, c), n) in _batchBlocks)
        {
            (day.Value, grp.Value, categories.Value, blocks.Value) = (d, g, unchecked((long)c), n);
            command.ExecuteNonQuery();
        }

        _batchBlocks.Clear();
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
