using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Protocols.Dns;
using Microsoft.Data.Sqlite;

namespace Appliance.Journal;

/// <summary>
/// The DNS query log in SQLite: who (client address, user when known), which group, when, what (name, type),
/// which rule acted (the reason code and categories), and how it was answered. Written in batches — one
/// transaction and one prepared statement per batch — from the event ring's drain, never from the hot path.
/// WAL with <c>synchronous=NORMAL</c>: a power cut may cost the last batch of the query log, never corrupt it;
/// what must survive (incidents, audit, outbox) lives in stores with <c>synchronous=FULL</c>.
/// </summary>
public sealed class QueryJournal : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter[] _p;
    private readonly JournalOptions _options;
    private readonly Lock _lock = new();

    private static readonly string[] Columns = ["$at", "$client", "$user", "$grp", "$name", "$qtype", "$reason", "$rcode", "$flags", "$categories", "$upstream"];

    /// <summary>For tests that simulate a full disk.</summary>
    internal SqliteConnection Connection => _connection;

    private QueryJournal(SqliteConnection connection, JournalOptions options, string path)
    {
        _connection = connection;
        _options = options;
        Path = path;
        _insert = connection.CreateCommand();
        _insert.CommandText = """
            INSERT INTO dns_events (at, client, user, grp, name, qtype, reason, rcode, flags, categories, upstream_us)
            VALUES ($at, $client, $user, $grp, $name, $qtype, $reason, $rcode, $flags, $categories, $upstream)
            """;
        _p = [.. Columns.Select(n =>
        {
            var parameter = _insert.CreateParameter();
            parameter.ParameterName = n;   // type from the value: integers and text
            _insert.Parameters.Add(parameter);
            return parameter;
        })];
        _insert.Prepare();
    }

    public string Path { get; }

    /// <exception cref="JournalException">The file cannot be opened or is not a journal.</exception>
    public static QueryJournal Open(string path, JournalOptions? options = null)
    {
        var connection = JournalDatabase.Open(path, "journal", """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            -- 4 MB of page cache (the appliance's memory budget is small) and checkpoints every ~16 MB of WAL.
            PRAGMA cache_size = -4000;
            PRAGMA wal_autocheckpoint = 4000;
            CREATE TABLE IF NOT EXISTS dns_events (
                id          INTEGER PRIMARY KEY,
                at          INTEGER NOT NULL,   -- Unix milliseconds, UTC
                client      TEXT    NOT NULL,
                user        TEXT,
                grp         TEXT    NOT NULL,
                name        TEXT    NOT NULL,   -- statutory hits arrive already redacted to a keyed hash
                qtype       INTEGER NOT NULL,
                reason      INTEGER NOT NULL,
                rcode       INTEGER NOT NULL,
                flags       INTEGER NOT NULL,
                categories  INTEGER NOT NULL,
                upstream_us INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS dns_events_client_at ON dns_events (client, at);
            CREATE INDEX IF NOT EXISTS dns_events_blocked_at ON dns_events (at) WHERE flags & 8 != 0;
            """);
        return new QueryJournal(connection, options ?? new JournalOptions(), path);
    }

    /// <summary>Writes a batch in one transaction. Group names come from <paramref name="groupName"/> (the policy's groups).</summary>
    /// <exception cref="JournalException">The write failed (full disk…); the batch is not stored, nothing stored before is touched.</exception>
    public void Append(ReadOnlySpan<QueryEvent> batch, Func<byte, string> groupName, Pseudonyms? pseudonyms = null)
    {
        if (batch.IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            try
            {
                using var transaction = _connection.BeginTransaction();
                _insert.Transaction = transaction;
                foreach (ref readonly var e in batch)
                {
                    var group = groupName(e.Group);
                    _p[0].Value = e.Time.ToUnixTimeMilliseconds();
                    _p[1].Value = pseudonyms?.Applies(group) == true ? pseudonyms.Of(e.Client) : e.Client.ToIPAddress().ToString();
                    _p[2].Value = DBNull.Value;
                    _p[3].Value = group;
                    _p[4].Value = DnsName.ToSearchText(e.WireName);
                    _p[5].Value = (long)e.QueryType;
                    _p[6].Value = (long)e.Reason;
                    _p[7].Value = (long)e.Rcode;
                    _p[8].Value = (long)e.Flags;
                    _p[9].Value = unchecked((long)e.Categories);
                    _p[10].Value = (long)e.UpstreamMicroseconds;
                    _insert.ExecuteNonQuery();
                }

                transaction.Commit();
            }
            catch (SqliteException ex)
            {
                throw new JournalException($"journal {Path}: a batch of {batch.Length} events was not stored: {ex.Message}", ex);
            }
            finally
            {
                _insert.Transaction = null;
            }
        }
    }

    /// <summary>Deletes what is past its retention: allowed queries after the query retention, blocks after the block retention.</summary>
    /// <returns>Rows deleted.</returns>
    public long Prune(DateTimeOffset now)
    {
        var queries = (now - _options.QueryRetention).ToUnixTimeMilliseconds();
        var blocks = (now - _options.BlockRetention).ToUnixTimeMilliseconds();
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                DELETE FROM dns_events WHERE at < $queries AND flags & 8 = 0;
                DELETE FROM dns_events WHERE at < $blocks;
                """;
            command.Parameters.AddWithValue("$queries", queries);
            command.Parameters.AddWithValue("$blocks", blocks);
            return command.ExecuteNonQuery();
        }
    }

    public long Count()
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM dns_events";
            return (long)command.ExecuteScalar()!;
        }
    }

    /// <summary>One client's queries from <paramref name="around"/> − <paramref name="window"/> to + <paramref name="window"/>, in order (the DSL's main tool).</summary>
    public IReadOnlyList<JournalEntry> Timeline(string client, DateTimeOffset around, TimeSpan window)
        => Read("""
            SELECT at, client, user, grp, name, qtype, reason, rcode, flags, categories, upstream_us FROM dns_events
            WHERE client = $client AND at BETWEEN $from AND $to ORDER BY at, id
            """, ("$client", client), ("$from", (around - window).ToUnixTimeMilliseconds()), ("$to", (around + window).ToUnixTimeMilliseconds()));

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

    public void Dispose()
    {
        _insert.Dispose();
        _connection.Dispose();
    }

    private List<JournalEntry> Read(string sql, params (string Name, object Value)[] parameters)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            using var reader = command.ExecuteReader();
            var result = new List<JournalEntry>();
            while (reader.Read())
            {
                result.Add(new JournalEntry(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetString(4), (ushort)reader.GetInt64(5),
                    (ushort)reader.GetInt64(6), (byte)reader.GetInt64(7), (byte)reader.GetInt64(8), unchecked((ulong)reader.GetInt64(9)),
                    (uint)reader.GetInt64(10)));
            }

            return result;
        }
    }
}

/// <summary>The journal could not be opened, read or written; the message names the file and the problem.</summary>
public sealed class JournalException : Exception
{
    public JournalException()
    {
    }

    public JournalException(string message)
        : base(message)
    {
    }

    public JournalException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
