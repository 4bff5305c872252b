using Appliance.Core.Events;
using Appliance.Protocols.Dns;
using Appliance.Core.Net;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Appliance.Journal;

/// <summary>
/// The DNS query log in SQLite: who (client address, user when known), which group, when, what (name, type),
/// which rule acted (the reason code and categories), and how it was answered. Written in batches — one
/// transaction and one prepared statement per batch — from the event ring's drain, never from the hot path.
/// WAL with <c>synchronous=NORMAL</c>: a power cut may cost the last batch of the query log, never corrupt it;
/// what must survive (incidents, audit, outbox) lives in stores with <c>synchronous=FULL</c>.
/// </summary>
public sealed partial class QueryJournal : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _insert;
    private readonly Dictionary<(ClientAddress, bool), byte[]> _clientText = [];
    private readonly Dictionary<string, byte[]> _groupText = new(StringComparer.Ordinal);
    private readonly JournalOptions _options;
    private readonly Lock _lock = new();


    /// <summary>For tests that simulate a full disk.</summary>
    internal SqliteConnection Connection => _connection;

    private QueryJournal(SqliteConnection connection, JournalOptions options, string path)
    {
        _connection = connection;
        _options = options;
        Path = path;
        // The insert runs on SQLite's own API (SQLitePCLRaw, which Microsoft.Data.Sqlite is built on and ships): numbers
        // bound as integers and text bound from spans, so writing a query event allocates nothing — the ADO.NET path
        // boxed every value and made a string per address and name, about 1.7 KB an event.
        var rc = raw.sqlite3_prepare_v2(connection.Handle, """
            INSERT INTO dns_events (at, client, user, grp, name, qtype, reason, rcode, flags, categories, upstream_us, source)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
            """, out _insert);
        if (rc != raw.SQLITE_OK)
        {
            throw new JournalException($"journal {path}: cannot prepare the insert: {raw.sqlite3_errmsg(connection.Handle).utf8_to_string()}");
        }
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
                upstream_us INTEGER NOT NULL,
                source      INTEGER NOT NULL DEFAULT 0   -- RequestSource: DNS over UDP/TCP, or a TLS/HTTP/QUIC flow's name
            );
            CREATE INDEX IF NOT EXISTS dns_events_client_at ON dns_events (client, at);
            CREATE INDEX IF NOT EXISTS dns_events_blocked_at ON dns_events (at) WHERE flags & 8 != 0;
            -- The DSL's search by person (QueryJournal.Activity.cs): (user, rowid), newest first with no sort; partial, so
            -- a box without RADIUS users pays nothing for it on insert.
            CREATE INDEX IF NOT EXISTS dns_events_user ON dns_events (user) WHERE user IS NOT NULL;
            """);
        AddSourceColumn(connection, path);
        AddBlockRollup(connection);
        return new QueryJournal(connection, options ?? new JournalOptions(), path);
    }

    // Journals written before the packet filter have no source column: every row in them came from DNS over UDP (0).
    private static void AddSourceColumn(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('dns_events') WHERE name = 'source'";
        if ((long)command.ExecuteScalar()! != 0)
        {
            return;
        }

        try
        {
            command.CommandText = "ALTER TABLE dns_events ADD COLUMN source INTEGER NOT NULL DEFAULT 0";
            command.ExecuteNonQuery();
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new JournalException($"journal {path}: cannot add the source column: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Writes a batch in one transaction. Group names come from <paramref name="groupName"/> (the policy's groups); the
    /// user behind each client address, and that user's group, from <paramref name="userOf"/> (RADIUS accounting, issue 7),
    /// asked as the batch is written — within the drain interval (20 ms) of the query — so a session that ends in between
    /// is not seen. The row is pseudonymised when either the group that decided or the user's own group is: a pupil who
    /// logged in between the decision and the write is still not named in clear.
    /// </summary>
    /// <exception cref="JournalException">The write failed (full disk…); the batch is not stored, nothing stored before is touched.</exception>
    public void Append(ReadOnlySpan<QueryEvent> batch, Func<byte, string> groupName, Pseudonyms? pseudonyms = null,
        Func<ClientAddress, (string User, string? Group)?>? userOf = null)
    {
        if (batch.IsEmpty)
        {
            return;
        }

        Span<byte> name = stackalloc byte[DnsName.MaxTextLength];
        lock (_lock)
        {
            try
            {
                _batchBlocks.Clear();
                using var transaction = _connection.BeginTransaction();
                foreach (ref readonly var e in batch)
                {
                    var group = groupName(e.Group);
                    CountBlock(e, group);   // the reports' daily rollup (QueryJournal.Reports.cs), written with the batch
                    var user = userOf?.Invoke(e.Client);
                    var pseudonymous = pseudonyms is not null
                        && (pseudonyms.Applies(group) || (user?.Group is { } userGroup && pseudonyms.Applies(userGroup)));
                    raw.sqlite3_bind_int64(_insert, 1, e.Time.ToUnixTimeMilliseconds());
                    raw.sqlite3_bind_text(_insert, 2, ClientText(e.Client, pseudonymous ? pseudonyms : null));
                    if (user is { User: var userName })
                    {
                        raw.sqlite3_bind_text(_insert, 3, pseudonymous ? pseudonyms!.Of(userName) : userName);
                    }
                    else
                    {
                        raw.sqlite3_bind_null(_insert, 3);
                    }
                    raw.sqlite3_bind_text(_insert, 4, GroupText(group));
                    raw.sqlite3_bind_text(_insert, 5, name[..DnsName.WriteSearchText(e.WireName, name)]);
                    raw.sqlite3_bind_int64(_insert, 6, e.QueryType);
                    raw.sqlite3_bind_int64(_insert, 7, (long)e.Reason);
                    raw.sqlite3_bind_int64(_insert, 8, e.Rcode);
                    raw.sqlite3_bind_int64(_insert, 9, (long)e.Flags);
                    raw.sqlite3_bind_int64(_insert, 10, unchecked((long)e.Categories));
                    raw.sqlite3_bind_int64(_insert, 11, e.UpstreamMicroseconds);
                    raw.sqlite3_bind_int64(_insert, 12, (long)e.Source);
                    var rc = raw.sqlite3_step(_insert);
                    raw.sqlite3_reset(_insert);
                    if (rc != raw.SQLITE_DONE)
                    {
                        throw new JournalException($"journal {Path}: a batch of {batch.Length} events was not stored: {raw.sqlite3_errstr(rc).utf8_to_string()}");
                    }
                }

                WriteBlockCounts(transaction);
                transaction.Commit();
            }
            catch (SqliteException ex)
            {
                throw new JournalException($"journal {Path}: a batch of {batch.Length} events was not stored: {ex.Message}", ex);
            }
        }
    }

    // The address (or pseudonym) as UTF-8, made once per device: a school has a few thousand, so the table stays
    // small; it starts afresh if a flood of addresses ever fills it.
    private byte[] ClientText(ClientAddress client, Pseudonyms? pseudonyms)
    {
        var key = (client.WithoutPort(), pseudonyms is not null);
        if (!_clientText.TryGetValue(key, out var text))
        {
            if (_clientText.Count >= 16_384)
            {
                _clientText.Clear();
            }

            text = System.Text.Encoding.UTF8.GetBytes(pseudonyms is not null ? pseudonyms.Of(client) : client.ToIPAddress().ToString());
            _clientText[key] = text;
        }

        return text;
    }

    private byte[] GroupText(string group)
    {
        if (!_groupText.TryGetValue(group, out var text))
        {
            if (_groupText.Count >= 1_024)
            {
                _groupText.Clear();
            }

            text = System.Text.Encoding.UTF8.GetBytes(group);
            _groupText[group] = text;
        }

        return text;
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
            var deleted = command.ExecuteNonQuery();
            PruneBlockCounts(blocks);   // the reports' daily rollup (QueryJournal.Reports.cs)
            return deleted;
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

    public void Dispose()
    {
        raw.sqlite3_finalize(_insert);
        _reader?.Dispose();
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
                result.Add(ReadEntry(reader, 0));
            }

            return result;
        }
    }

    private const string EntryColumns = "at, client, user, grp, name, qtype, reason, rcode, flags, categories, upstream_us, source";

    // A row of EntryColumns starting at column `first`.
    private static JournalEntry ReadEntry(SqliteDataReader reader, int first) =>
        new(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first)), reader.GetString(first + 1),
            reader.IsDBNull(first + 2) ? null : reader.GetString(first + 2), reader.GetString(first + 3), reader.GetString(first + 4),
            (ushort)reader.GetInt64(first + 5), (ushort)reader.GetInt64(first + 6), (byte)reader.GetInt64(first + 7), (byte)reader.GetInt64(first + 8),
            unchecked((ulong)reader.GetInt64(first + 9)), (uint)reader.GetInt64(first + 10), (Appliance.Core.Policy.RequestSource)reader.GetInt64(first + 11));
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
