using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Appliance.Fleet.Outbox;

/// <summary>
/// The durable store-and-forward queue to the Local Authority (../shared/reference/mqtt-fleet.md §5). Records are
/// stored in chunks (one PUBLISH each) with a strictly monotonic per-stream sequence number allocated in the same
/// transaction as the insert and never reused, under an <see cref="Epoch"/> that changes only if the database is
/// recreated. WAL with <c>synchronous=FULL</c>: a committed chunk survives a power cut.
/// States: 0 pending, 1 accepted by the broker (PUBACK: only in the broker's memory), deleted when the LA's ingest
/// acknowledges it end to end after its own commit.
/// </summary>
public sealed partial class OutboxStore : IDisposable
{
    private const int SchemaVersion = 2;   // 2: chunks.resends (per-chunk backoff of time-based resends)
    private const int RowOverhead = 64;   // key, state and times per chunk, a rough page share for the budget
    private readonly SqliteConnection _connection;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private long _storedBytes;
    private long _dropped;

    private OutboxStore(SqliteConnection connection, string path, OutboxOptions options, TimeProvider time, long epoch, string? setAside)
    {
        _connection = connection;
        Path = path;
        _options = options;
        _time = time;
        Epoch = epoch;
        SetAside = setAside;
        _storedBytes = Scalar("SELECT COALESCE(SUM(length(body)), 0) + COUNT(*) * " + RowOverhead + " FROM chunks");
    }

    public string Path { get; }

    /// <summary>For tests that simulate a full disk.</summary>
    internal SqliteConnection Connection => _connection;

    /// <summary>This database's generation: the LA keys records on (appliance, stream, epoch, seq).</summary>
    public long Epoch { get; }

    /// <summary>Where an unreadable outbox was moved on open (kept for inspection, never deleted); null normally.</summary>
    public string? SetAside { get; }

    /// <summary>Bytes the stored chunks take, as counted against the budget.</summary>
    public long StoredBytes => Interlocked.Read(ref _storedBytes);

    /// <summary>Records dropped under the disk budget since open (each drop also recorded as a gap record).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Opens or creates the outbox. A file that is not a readable outbox is moved aside (named in
    /// <see cref="SetAside"/>) and a fresh one with a new epoch is created, so that the box keeps reporting; its
    /// first audit record says so.
    /// </summary>
    /// <exception cref="OutboxException">The file can neither be opened nor set aside and recreated.</exception>
    public static OutboxStore Open(string path, OutboxOptions? options = null, TimeProvider? time = null)
    {
        options ??= new OutboxOptions();
        time ??= TimeProvider.System;
        try
        {
            return OpenOrCreate(path, options, time, setAside: null);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 26 or 11)   // SQLITE_NOTADB, SQLITE_CORRUPT
        {
            var aside = $"{path}.unreadable-{time.GetUtcNow():yyyyMMddTHHmmss}";
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                if (File.Exists(path + suffix))
                {
                    File.Move(path + suffix, aside + suffix);
                }
            }

            try
            {
                var store = OpenOrCreate(path, options, time, aside);
                store.AppendGap(Streams.Audit, "outbox-recreated", 0, 0, 0, $"{path} was unreadable ({ex.Message}); moved to {aside}");
                return store;
            }
            catch (SqliteException again)
            {
                throw new OutboxException($"outbox {path}: unreadable ({ex.Message}) and could not be recreated: {again.Message}", again);
            }
        }
        catch (SqliteException ex)
        {
            throw new OutboxException($"outbox {path}: {ex.Message}", ex);
        }
    }

    private static OutboxStore OpenOrCreate(string path, OutboxOptions options, TimeProvider time, string? setAside)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                PRAGMA cache_size = -2000;
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS streams (
                    name      TEXT PRIMARY KEY,
                    next_seq  INTEGER NOT NULL,   -- never reused, even after the chunks are gone
                    acked_seq INTEGER NOT NULL    -- highest seq the LA has acknowledged end to end
                );
                CREATE TABLE IF NOT EXISTS chunks (
                    id         INTEGER PRIMARY KEY,   -- insertion order across streams
                    stream     TEXT    NOT NULL,
                    seq_first  INTEGER NOT NULL,
                    count      INTEGER NOT NULL,
                    lane       INTEGER NOT NULL,
                    created_ms INTEGER NOT NULL,
                    body       BLOB    NOT NULL,      -- Brotli NDJSON
                    state      INTEGER NOT NULL DEFAULT 0,
                    sent_ms    INTEGER,
                    resends    INTEGER NOT NULL DEFAULT 0,   -- time-based resends so far: each waits twice as long
                    UNIQUE (stream, seq_first)
                );
                CREATE INDEX IF NOT EXISTS chunks_pending ON chunks (lane, id) WHERE state = 0;
                CREATE INDEX IF NOT EXISTS chunks_sent ON chunks (sent_ms) WHERE state = 1;   -- requeue, every few seconds
                CREATE INDEX IF NOT EXISTS chunks_lane ON chunks (lane, id);                  -- the disk budget's victims
                """;
            command.ExecuteNonQuery();

            command.CommandText = "PRAGMA user_version";
            var version = (long)command.ExecuteScalar()!;
            if (version > SchemaVersion)
            {
                throw new OutboxException($"outbox {path}: schema version {version} is newer than this software's {SchemaVersion}; refusing to touch it");
            }

            // An outbox from before the backoff. Checked by the column, not the version, so a power cut between the
            // ALTER and the version update cannot leave a file that fails every later start with "duplicate column".
            command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('chunks') WHERE name = 'resends'";
            if ((long)command.ExecuteScalar()! == 0)
            {
                command.CommandText = "ALTER TABLE chunks ADD COLUMN resends INTEGER NOT NULL DEFAULT 0";
                command.ExecuteNonQuery();
            }

            command.CommandText = $"PRAGMA user_version = {SchemaVersion}; INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', $epoch); SELECT value FROM meta WHERE key = 'epoch'";
            // 48 random bits: distinct across recreations without trusting the clock, and exact in JSON numbers.
            command.Parameters.AddWithValue("$epoch", RandomNumberGenerator.GetInt32(1, 1 << 24) * (1L << 24) + RandomNumberGenerator.GetInt32(1 << 24));
            var epoch = (long)command.ExecuteScalar()!;
            return new OutboxStore(connection, path, options, time, epoch, setAside);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends chunks to <paramref name="stream"/> in one durable transaction, allocating their sequence numbers,
    /// then applies the disk budget.
    /// </summary>
    /// <returns>The first and last sequence number given, or (0, −1) for no chunks.</returns>
    /// <exception cref="OutboxException">The write failed (full disk…): nothing was stored, nothing stored before is touched.</exception>
    /// <param name="stream">One of <see cref="Streams"/>.</param>
    /// <param name="chunks">From a <see cref="ChunkBuilder"/>.</param>
    /// <param name="marker">A named position committed with the chunks (e.g. the last audit entry forwarded), read back with <see cref="Marker"/>.</param>
    public (long First, long Last) Append(string stream, IReadOnlyList<PendingChunk> chunks, (string Name, long Value)? marker = null)
    {
        var lane = Streams.Lane(stream);
        if (chunks.Count == 0)
        {
            return (0, -1);
        }

        lock (_lock)
        {
            try
            {
                using var transaction = _connection.BeginTransaction();
                var range = Insert(transaction, stream, lane, chunks);
                if (marker is { } m)
                {
                    WriteMarker(transaction, m.Name, m.Value);
                }

                var dropped = _storedBytes > _options.BudgetBytes ? EnforceBudget(transaction) : 0;
                transaction.Commit();
                Interlocked.Add(ref _dropped, dropped);
                return range;
            }
            catch (SqliteException ex)
            {
                _storedBytes = Scalar("SELECT COALESCE(SUM(length(body)), 0) + COUNT(*) * " + RowOverhead + " FROM chunks");
                throw new OutboxException($"outbox {Path}: {chunks.Sum(c => c.Count)} {stream} records were not stored: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Stores a named position on its own (e.g. the last desired-state version seen).</summary>
    public void SetMarker(string name, long value)
    {
        lock (_lock)
        {
            WriteMarker(null, name, value);
        }
    }

    private void WriteMarker(SqliteTransaction? transaction, string name, long value)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT OR REPLACE INTO meta (key, value) VALUES ($key, $value)";
        command.Parameters.AddWithValue("$key", "marker:" + name);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery();
    }

    /// <summary>A position stored with <see cref="Append"/> or <see cref="SetMarker"/>; 0 if never set.</summary>
    public long Marker(string name)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT value FROM meta WHERE key = $key";
            command.Parameters.AddWithValue("$key", "marker:" + name);
            return command.ExecuteScalar() is long value ? value : 0;
        }
    }

    /// <summary>
    /// Records not yet acknowledged by the LA, over all streams, from the per-stream counters alone (a handful of
    /// rows; <see cref="Backlog"/> reads every chunk). Records dropped under the disk budget count until the LA's
    /// acknowledgement passes them.
    /// </summary>
    public long Waiting()
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT COALESCE(SUM(next_seq - 1 - acked_seq), 0) FROM streams";
            return (long)command.ExecuteScalar()!;
        }
    }

    /// <summary>The highest seq of <paramref name="stream"/> the LA has acknowledged end to end (0: none yet).</summary>
    public long AckedSeq(string stream)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT acked_seq FROM streams WHERE name = $s";
            command.Parameters.AddWithValue("$s", stream);
            return command.ExecuteScalar() is long value ? value : 0;
        }
    }

    private (long First, long Last) Insert(SqliteTransaction transaction, string stream, int lane, IReadOnlyList<PendingChunk> chunks)
    {
        using var next = _connection.CreateCommand();
        next.Transaction = transaction;
        next.CommandText = "INSERT OR IGNORE INTO streams (name, next_seq, acked_seq) VALUES ($s, 1, 0); SELECT next_seq FROM streams WHERE name = $s";
        next.Parameters.AddWithValue("$s", stream);
        var first = (long)next.ExecuteScalar()!;

        using var insert = _connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO chunks (stream, seq_first, count, lane, created_ms, body) VALUES ($s, $seq, $count, $lane, $now, $body)";
        var seqParameter = insert.Parameters.Add("$seq", SqliteType.Integer);
        var countParameter = insert.Parameters.Add("$count", SqliteType.Integer);
        var bodyParameter = insert.Parameters.Add("$body", SqliteType.Blob);
        insert.Parameters.AddWithValue("$s", stream);
        insert.Parameters.AddWithValue("$lane", lane);
        insert.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        var seq = first;
        long bytes = 0;
        foreach (var chunk in chunks)
        {
            seqParameter.Value = seq;
            countParameter.Value = chunk.Count;
            bodyParameter.Value = chunk.Body;
            insert.ExecuteNonQuery();
            seq += chunk.Count;
            bytes += chunk.Body.Length + RowOverhead;
        }

        next.CommandText = "UPDATE streams SET next_seq = $next WHERE name = $s";
        next.Parameters.AddWithValue("$next", seq);
        next.ExecuteNonQuery();
        _storedBytes += bytes;
        return (first, seq - 1);
    }

    private long Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose() => _connection.Dispose();
}
