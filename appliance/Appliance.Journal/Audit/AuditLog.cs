using Appliance.Core.Events;
using Microsoft.Data.Sqlite;

namespace Appliance.Journal.Audit;

/// <summary>
/// The audit log (DATA_DIR/audit.db): every policy, configuration and user change and every command received,
/// append-only and hash-chained. Each entry's hash covers its fields and the previous entry's hash, so changing,
/// inserting or removing an entry anywhere but the end breaks the chain (<see cref="Verify"/>); the end is
/// anchored off the box, because each entry also goes to the Local Authority in the outbox's audit stream.
/// SQLite triggers refuse UPDATE and DELETE (pruning by retention excepted, which keeps the hash of the last
/// pruned entry as the new anchor). WAL with <c>synchronous=FULL</c>: a recorded change survives a power cut.
/// </summary>
public sealed class AuditLog : IAuditSink, IDisposable
{
    private static readonly byte[] Genesis = new byte[AuditEntry.HashLength];
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    private AuditLog(SqliteConnection connection, string path, TimeProvider time)
    {
        _connection = connection;
        _time = time;
        Path = path;
    }

    public string Path { get; }

    /// <summary>For tests that simulate a full disk.</summary>
    internal SqliteConnection Connection => _connection;

    /// <summary>Called after each entry is committed (the fleet service forwards it to the LA); on the appending thread.</summary>
    public event Action<AuditEntry>? Appended;

    /// <exception cref="JournalException">The file cannot be opened or is not an audit log.</exception>
    public static AuditLog Open(string path, TimeProvider? time = null)
    {
        var connection = JournalDatabase.Open(path, "audit log", """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            CREATE TABLE IF NOT EXISTS audit (
                seq       INTEGER PRIMARY KEY,
                at        INTEGER NOT NULL,   -- Unix milliseconds, UTC
                actor     TEXT    NOT NULL,
                action    TEXT    NOT NULL,
                subject   TEXT    NOT NULL,
                detail    TEXT    NOT NULL,
                prev_hash BLOB    NOT NULL,
                hash      BLOB    NOT NULL
            );
            CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value);
            CREATE TRIGGER IF NOT EXISTS audit_append_only_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            CREATE TRIGGER IF NOT EXISTS audit_append_only_delete BEFORE DELETE ON audit
            WHEN (SELECT value FROM audit_meta WHERE key = 'pruning') IS NULL
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            """);
        return new AuditLog(connection, path, time ?? TimeProvider.System);
    }

    bool IAuditSink.Record(string actor, string action, string subject, string detail)
    {
        try
        {
            Append(actor, action, subject, detail);
            return true;
        }
        catch (JournalException)
        {
            return false;
        }
    }

    /// <exception cref="JournalException">Not stored (full disk…); nothing stored before is touched.</exception>
    public AuditEntry Append(string actor, string action, string subject, string detail)
    {
        AuditEntry entry;
        lock (_lock)
        {
            try
            {
                // The head is read inside the writing transaction: the CLI and the running appliance may both append
                // (SQLite serialises the writers), and neither may reuse the other's seq or link past its entry.
                using var transaction = _connection.BeginTransaction(deferred: false);
                var (lastSeq, lastHash) = Head(transaction);
                var seq = lastSeq + 1;
                var at = _time.GetUtcNow().ToUnixTimeMilliseconds();
                var hash = AuditEntry.ComputeHash(seq, at, actor, action, subject, detail, lastHash);
                using var command = _connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "INSERT INTO audit VALUES ($seq, $at, $actor, $action, $subject, $detail, $prev, $hash)";
                command.Parameters.AddWithValue("$seq", seq);
                command.Parameters.AddWithValue("$at", at);
                command.Parameters.AddWithValue("$actor", actor);
                command.Parameters.AddWithValue("$action", action);
                command.Parameters.AddWithValue("$subject", subject);
                command.Parameters.AddWithValue("$detail", detail);
                command.Parameters.AddWithValue("$prev", lastHash);
                command.Parameters.AddWithValue("$hash", hash);
                command.ExecuteNonQuery();
                transaction.Commit();
                entry = new AuditEntry(seq, DateTimeOffset.FromUnixTimeMilliseconds(at), actor, action, subject, detail, lastHash, hash);
            }
            catch (SqliteException ex)
            {
                throw new JournalException($"audit log {Path}: '{action}' by {actor} was not recorded: {ex.Message}", ex);
            }
        }

        try
        {
            Appended?.Invoke(entry);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A listener (forwarding to the LA) failing must not fail the change that was just recorded; the
            // forwarder catches up from the log later.
            System.Diagnostics.Trace.TraceWarning($"audit listener failed: {ex.Message}");
        }

        return entry;
    }

    /// <summary>Walks the whole chain from its anchor: consecutive sequence numbers, each linked to the one before, each hash right.</summary>
    public AuditVerification Verify()
    {
        lock (_lock)
        {
            var (expectedSeq, previous) = Anchor();
            expectedSeq++;
            var first = expectedSeq;
            long count = 0;
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var entry = Read(reader);
                string? problem = null;
                if (entry.Seq != expectedSeq)
                {
                    problem = entry.Seq > expectedSeq
                        ? $"entries {expectedSeq}–{entry.Seq - 1} are missing (removed)"
                        : $"entry {entry.Seq} is out of order";
                }
                else if (!entry.PreviousHash.AsSpan().SequenceEqual(previous))
                {
                    problem = $"entry {entry.Seq} does not link to entry {entry.Seq - 1} (inserted, or the one before was replaced)";
                }
                else if (!AuditEntry.ComputeHash(entry.Seq, entry.At.ToUnixTimeMilliseconds(), entry.Actor, entry.Action, entry.Subject, entry.Detail, previous)
                             .AsSpan().SequenceEqual(entry.Hash))
                {
                    problem = $"entry {entry.Seq} was changed after it was written (its hash does not match its content)";
                }

                if (problem is not null)
                {
                    return new AuditVerification(false, count, first, expectedSeq - 1, Convert.ToHexStringLower(previous), problem);
                }

                previous = entry.Hash;
                expectedSeq++;
                count++;
            }

            return new AuditVerification(true, count, first, expectedSeq - 1, Convert.ToHexStringLower(previous), null);
        }
    }

    /// <summary>The newest entry with this action, if any (e.g. the last recorded policy version or configuration).</summary>
    public AuditEntry? Last(string action)
        => Entries("WHERE action = $p ORDER BY seq DESC LIMIT $n", 1, action) is [var last] ? last : null;

    /// <summary>Up to <paramref name="limit"/> entries after <paramref name="seq"/>, in order.</summary>
    public IReadOnlyList<AuditEntry> Since(long seq, int limit) => Entries("WHERE seq > $p ORDER BY seq LIMIT $n", limit, seq);

    /// <summary>The newest <paramref name="limit"/> entries, oldest first.</summary>
    public IReadOnlyList<AuditEntry> Tail(int limit) => [.. Entries("ORDER BY seq DESC LIMIT $n", limit).AsEnumerable().Reverse()];

    /// <summary>The newest <paramref name="limit"/> entries written in [from, to), oldest first (the reports' change log).</summary>
    public IReadOnlyList<AuditEntry> Between(DateTimeOffset from, DateTimeOffset to, int limit) =>
        [.. Entries($"WHERE at >= $p AND at < {to.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)} ORDER BY seq DESC LIMIT $n",
            limit, from.ToUnixTimeMilliseconds()).AsEnumerable().Reverse()];

    private List<AuditEntry> Entries(string clauses, int limit, object? parameter = null)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit " + clauses;
            if (parameter is not null)
            {
                command.Parameters.AddWithValue("$p", parameter);
            }

            command.Parameters.AddWithValue("$n", limit);
            using var reader = command.ExecuteReader();
            var result = new List<AuditEntry>();
            while (reader.Read())
            {
                result.Add(Read(reader));
            }

            return result;
        }
    }

    /// <summary>
    /// Deletes entries older than <paramref name="before"/> (the audit retention), keeping the newest entry always,
    /// and records the last deleted entry's seq and hash as the anchor verification starts from.
    /// </summary>
    /// <returns>Entries deleted.</returns>
    public long Prune(DateTimeOffset before)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT seq, hash FROM audit WHERE at < $before AND seq < (SELECT max(seq) FROM audit) ORDER BY seq DESC LIMIT 1";
            command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            long anchorSeq;
            byte[] anchorHash;
            using (var reader = command.ExecuteReader())
            {
                if (!reader.Read())
                {
                    return 0;
                }

                (anchorSeq, anchorHash) = (reader.GetInt64(0), (byte[])reader[1]);
            }

            command.CommandText = "INSERT OR REPLACE INTO audit_meta VALUES ('pruning', 1)";
            command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM audit WHERE seq <= $anchor";
            command.Parameters.AddWithValue("$anchor", anchorSeq);
            var deleted = command.ExecuteNonQuery();
            command.CommandText = """
                DELETE FROM audit_meta WHERE key = 'pruning';
                INSERT OR REPLACE INTO audit_meta VALUES ('anchor_seq', $anchor);
                INSERT OR REPLACE INTO audit_meta VALUES ('anchor_hash', $hash);
                """;
            command.Parameters.AddWithValue("$hash", anchorHash);
            command.ExecuteNonQuery();
            transaction.Commit();
            return deleted;
        }
    }

    public void Dispose() => _connection.Dispose();

    private (long Seq, byte[] Hash) Head(SqliteTransaction transaction)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), (byte[])reader[1]) : Anchor(transaction);
    }

    private (long Seq, byte[] Hash) Anchor(SqliteTransaction? transaction = null)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT (SELECT value FROM audit_meta WHERE key = 'anchor_seq'), (SELECT value FROM audit_meta WHERE key = 'anchor_hash')";
        using var reader = command.ExecuteReader();
        reader.Read();
        return reader.IsDBNull(0) ? (0, Genesis) : (reader.GetInt64(0), (byte[])reader[1]);
    }

    private static AuditEntry Read(SqliteDataReader r) => new(r.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.GetString(2),
        r.GetString(3), r.GetString(4), r.GetString(5), (byte[])r[6], (byte[])r[7]);
}
