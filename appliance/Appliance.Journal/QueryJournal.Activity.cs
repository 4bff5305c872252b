using Microsoft.Data.Sqlite;

namespace Appliance.Journal;

/// <summary>
/// The journal's reads for the DSL's activity views: search (newest first, keyset paging by id), a person's or device's
/// timeline around a moment, and everything in a period (evidence bundles).
/// </summary>
/// <remarks>
/// The searches run on their own read-only connection: WAL lets a reader see the last committed state while the drain
/// keeps writing, so a long search never holds the writer's lock (thousands of inserts a second wait on nothing).
/// Rows are appended in time order (give or take the drain's 20 ms batches), so the row id orders them and serves as
/// the paging cursor, and a time is turned into an id range by a binary search over the rowid rather than an index on
/// every row's time. Only three filters have an index — device (client, at), user (user), blocked (at, partial) —
/// because each index slows every insert; a search by name, group or category alone reads at most
/// <see cref="ScanWindow"/> rows a page and says how far back it looked, and the next page goes on from there.
/// </remarks>
public sealed partial class QueryJournal
{
    /// <summary>At most this many rows are read for one page of a search no index narrows (name, group, category).</summary>
    public const int ScanWindow = 100_000;

    /// <summary>At most this many rows a page.</summary>
    public const int MaxPage = 100;

    // How far a row's time may lag its id's order (the drain's batches, the packet filter's own ring): time bounds are
    // widened by this before they become id bounds, and the exact time test still applies.
    private static readonly TimeSpan OrderSlack = TimeSpan.FromMinutes(1);

    private readonly Lock _readLock = new();

    /// <summary>The scan window in use (tests shrink it).</summary>
    internal long ScanWindowRows { get; set; } = ScanWindow;
    private SqliteConnection? _reader;

    /// <summary>One client's queries from <paramref name="around"/> − <paramref name="window"/> to + <paramref name="window"/>, in order.</summary>
    public IReadOnlyList<JournalEntry> Timeline(string client, DateTimeOffset around, TimeSpan window)
        => Read($"""
            SELECT {EntryColumns} FROM dns_events
            WHERE client = $client AND at BETWEEN $from AND $to ORDER BY at, id
            """, ("$client", client), ("$from", (around - window).ToUnixTimeMilliseconds()), ("$to", (around + window).ToUnixTimeMilliseconds()));

    /// <summary>Every query in [from, to], in order, at most <paramref name="limit"/> (the newest are kept when there are more).</summary>
    public IReadOnlyList<JournalEntry> Between(DateTimeOffset from, DateTimeOffset to, int limit)
    {
        long start;
        lock (_lock)
        {
            start = FirstIdFrom(_connection, from - OrderSlack);
        }

        var newest = Read($"""
            SELECT {EntryColumns} FROM dns_events
            WHERE id >= $start AND at BETWEEN $from AND $to ORDER BY id DESC LIMIT $n
            """, ("$start", start), ("$from", from.ToUnixTimeMilliseconds()), ("$to", to.ToUnixTimeMilliseconds()), ("$n", limit));
        newest.Reverse();
        return newest;
    }

    /// <summary>
    /// The rows matching <paramref name="filter"/>, newest first, at most <paramref name="limit"/> (≤ <see cref="MaxPage"/>):
    /// the newest; or those just older than the id <paramref name="before"/>; or those just newer than <paramref name="after"/>.
    /// </summary>
    public ActivityPage Search(ActivityFilter filter, int limit, long? before = null, long? after = null)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        lock (_readLock)
        {
            var connection = Reader();
            using var command = connection.CreateCommand();
            var where = Conditions(filter, command);
            var (low, high) = IdRange(connection, filter.From, filter.To);   // [low, high]
            if (after is { } newerThan)
            {
                low = Math.Max(low, newerThan + 1);
            }
            else if (before is { } olderThan)
            {
                high = Math.Min(high, olderThan - 1);
            }

            // Without an index the page reads rowids backward from the top; bound it to a window. With one, the id bounds
            // are only filters (the unary + keeps the planner on the filter's index rather than a rowid range).
            long? floor = null, ceiling = null;
            var id = filter.Indexed ? "+id" : "id";
            if (!filter.Indexed && high - low + 1 > ScanWindowRows)
            {
                if (after is null)
                {
                    floor = low = high - ScanWindowRows + 1;
                }
                else
                {
                    ceiling = high = low + ScanWindowRows - 1;
                }
            }

            where.Add($"{id} BETWEEN $low AND $high");
            command.Parameters.AddWithValue("$low", low);
            command.Parameters.AddWithValue("$high", high);
            command.Parameters.AddWithValue("$n", limit + 1);
            command.CommandText = $"SELECT id, {EntryColumns} FROM dns_events WHERE {string.Join(" AND ", where)} ORDER BY id {(after is null ? "DESC" : "")} LIMIT $n";
            var rows = ReadRows(command);
            var more = rows.Count > limit;
            if (more)
            {
                rows.RemoveAt(rows.Count - 1);
            }

            if (after is not null)
            {
                // Read forward: the next page goes on after the newest row found, or after the window when it ran out first.
                var next = more || ceiling is null ? (rows.Count > 0 ? rows[^1].Id : after.Value) : ceiling.Value;
                var moreNewer = more || (ceiling is { } c && LastId(connection) > c);
                rows.Reverse();
                return new ActivityPage(rows, rows.Count > 0 ? rows[^1].Id : after, moreNewer, null, next);
            }

            var newest = rows.Count > 0 ? rows[0].Id : (long?)null;
            if (more)
            {
                return new ActivityPage(rows, rows[^1].Id, false, null, newest);
            }

            return floor is { } f && FirstId(connection) < f
                ? new ActivityPage(rows, f, false, AtOf(connection, f), newest)
                : new ActivityPage(rows, null, false, null, newest);
        }
    }

    /// <summary>
    /// One user's or device's rows within <paramref name="window"/> of <paramref name="at"/>, in time order: at most
    /// <paramref name="perSide"/> before the moment and <paramref name="perSide"/> from it on (a chatty device asks
    /// thousands of names an hour; the page links on from its first and last row).
    /// </summary>
    public ActivityTimeline TimelineAround(TimelineSubject by, string who, DateTimeOffset at, TimeSpan window, int perSide)
    {
        lock (_readLock)
        {
            var connection = Reader();
            // A device's rows come from its (client, at) index in time order; a user's from the (user) index, whose
            // rowid order is time order, bounded by the window's id range.
            var (column, idRange) = by == TimelineSubject.User ? ("user", "AND id BETWEEN $low AND $high") : ("client", "");
            var (low, high) = by == TimelineSubject.User ? IdRange(connection, at - window, at + window) : (0, long.MaxValue);
            var earlier = Side(connection, $"{column} = $who {idRange} AND at >= $from AND at < $at ORDER BY at DESC, id DESC");
            var later = Side(connection, $"{column} = $who {idRange} AND at >= $at AND at <= $to ORDER BY at, id");
            var (moreEarlier, moreLater) = (earlier.Count > perSide, later.Count > perSide);
            var rows = earlier.Take(perSide).Reverse().Concat(later.Take(perSide)).ToList();
            return new ActivityTimeline(rows, moreEarlier, moreLater);

            List<ActivityRow> Side(SqliteConnection c, string condition)
            {
                using var command = c.CreateCommand();
                command.CommandText = $"SELECT id, {EntryColumns} FROM dns_events WHERE {condition} LIMIT $n";
                command.Parameters.AddWithValue("$who", who);
                command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$from", (at - window).ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$to", (at + window).ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$low", low);
                command.Parameters.AddWithValue("$high", high);
                command.Parameters.AddWithValue("$n", perSide + 1);
                return ReadRows(command);
            }
        }
    }

    /// <summary>The row with this id, or null (pruned, or never there).</summary>
    public ActivityRow? Find(long id)
    {
        lock (_readLock)
        {
            using var command = Reader().CreateCommand();
            command.CommandText = $"SELECT id, {EntryColumns} FROM dns_events WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            return ReadRows(command) is [var row] ? row : null;
        }
    }

    // The WHERE terms of a filter, its parameters added to the command. The blocked term is written as the partial
    // index's own expression, so SQLite can use that index.
    private static List<string> Conditions(ActivityFilter filter, SqliteCommand command)
    {
        var where = new List<string>();
        void Add(string condition, string name, object value)
        {
            where.Add(condition);
            command.Parameters.AddWithValue(name, value);
        }

        if (filter.User is { } user)
        {
            Add("user = $user", "$user", user);
        }

        if (filter.Client is { } client)
        {
            Add("client = $client", "$client", client);
        }

        if (filter.Group is { } group)
        {
            Add("grp = $group", "$group", group);
        }

        if (filter.Name is { } name)
        {
            // instr rather than LIKE: no wildcard characters to escape in what the DSL typed, and names are stored lower-case.
            Add(filter.NameMatch == NameMatch.Domain ? "(name = $name OR substr(name, -length($dotname)) = $dotname)" : "instr(name, $name) > 0", "$name", name);
            command.Parameters.AddWithValue("$dotname", "." + name);
        }

        if (filter.Categories != 0)
        {
            Add("categories & $categories != 0", "$categories", unchecked((long)filter.Categories));
        }

        if (filter.BlockedOnly)
        {
            where.Add("flags & 8 != 0");
        }

        if (filter.From is { } from)
        {
            Add("at >= $from", "$from", from.ToUnixTimeMilliseconds());
        }

        if (filter.To is { } to)
        {
            Add("at <= $to", "$to", to.ToUnixTimeMilliseconds());
        }

        return where;
    }

    // The ids that may hold rows in [from, to] (either end open), as an inclusive range.
    private static (long Low, long High) IdRange(SqliteConnection connection, DateTimeOffset? from, DateTimeOffset? to)
    {
        var low = from is { } f ? FirstIdFrom(connection, f - OrderSlack) : 0;
        var high = to is { } t ? FirstIdFrom(connection, t + OrderSlack) : LastId(connection);
        return (low, high);
    }

    private static List<ActivityRow> ReadRows(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<ActivityRow>();
        while (reader.Read())
        {
            rows.Add(new ActivityRow(reader.GetInt64(0), ReadEntry(reader, 1)));
        }

        return rows;
    }

    private static long FirstId(SqliteConnection connection) => Scalar(connection, "SELECT IFNULL((SELECT MIN(id) FROM dns_events), 0)");

    private static long LastId(SqliteConnection connection) => Scalar(connection, "SELECT IFNULL((SELECT MAX(id) FROM dns_events), 0)");

    private static DateTimeOffset? AtOf(SqliteConnection connection, long id) =>
        Scalar(connection, $"SELECT COALESCE((SELECT at FROM dns_events WHERE id >= {id} ORDER BY id LIMIT 1), -1)") is var at and >= 0
            ? DateTimeOffset.FromUnixTimeMilliseconds(at)
            : null;

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    // The searches' own connection, opened on first use: read-only, so it can never take the write lock.
    private SqliteConnection Reader()
    {
        if (_reader is null)
        {
            var reader = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            try
            {
                reader.Open();
                using var command = reader.CreateCommand();
                command.CommandText = "PRAGMA cache_size = -2000";   // 2 MB: the box's memory budget is small
                command.ExecuteNonQuery();
            }
            catch (SqliteException ex)
            {
                reader.Dispose();
                throw new JournalException($"journal {Path}: cannot open it for reading: {ex.Message}", ex);
            }

            _reader = reader;
        }

        return _reader;
    }

    // Rows are appended in time order (give or take the drain's batching, hence the slack callers add), so a binary
    // search over the rowid finds where a period starts without an index on every row's time: an index would slow
    // every insert. The caller holds the connection's lock.
    private static long FirstIdFrom(SqliteConnection connection, DateTimeOffset from)
    {
        // MIN and MAX asked apart: SQLite answers a lone MIN(id) or MAX(id) from the b-tree's ends, but both in one
        // SELECT scan the whole table (half a second at a million rows, measured: docs/performance.md, Web UI).
        var (lo, hi) = (FirstId(connection), LastId(connection));
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, at FROM dns_events WHERE id >= $id ORDER BY id LIMIT 1";
        var id = command.Parameters.Add("$id", SqliteType.Integer);
        var target = from.ToUnixTimeMilliseconds();
        while (lo < hi)
        {
            id.Value = lo + ((hi - lo) / 2);
            using var reader = command.ExecuteReader();
            reader.Read();
            var (found, at) = (reader.GetInt64(0), reader.GetInt64(1));
            if (at < target)
            {
                lo = found + 1;
            }
            else
            {
                hi = (long)id.Value;   // no row between mid and found: the start is at or before mid
            }
        }

        return lo;
    }
}
