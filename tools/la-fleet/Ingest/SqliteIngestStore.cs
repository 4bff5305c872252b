using Microsoft.Data.Sqlite;

namespace LaFleet.Ingest;

/// <summary>The default ingest store: one SQLite file, WAL with <c>synchronous=FULL</c> (the ack to the box promises the records are safe).</summary>
public sealed class SqliteIngestStore : IIngestStore
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    public SqliteIngestStore(string path)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            CREATE TABLE IF NOT EXISTS records (
                appliance TEXT NOT NULL, stream TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
                ts INTEGER, kind TEXT, body TEXT NOT NULL,
                PRIMARY KEY (appliance, stream, epoch, seq)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS records_stream_ts ON records (stream, ts);   -- incidents list, status (newest first)
            CREATE TABLE IF NOT EXISTS progress (
                appliance TEXT NOT NULL, school TEXT NOT NULL, stream TEXT NOT NULL, epoch INTEGER NOT NULL,
                contiguous INTEGER NOT NULL, highest INTEGER NOT NULL,
                PRIMARY KEY (appliance, stream, epoch));
            CREATE TABLE IF NOT EXISTS skipped (
                appliance TEXT NOT NULL, stream TEXT NOT NULL, epoch INTEGER NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL,
                PRIMARY KEY (appliance, stream, epoch, from_seq));
            CREATE TABLE IF NOT EXISTS appliances (
                appliance TEXT PRIMARY KEY, school TEXT NOT NULL, presence TEXT NOT NULL, version TEXT, epoch INTEGER, seen_ms INTEGER);
            CREATE TABLE IF NOT EXISTS registry (appliance TEXT PRIMARY KEY, school TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS reported (appliance TEXT PRIMARY KEY, body TEXT NOT NULL, seen_ms INTEGER NOT NULL);
            """);
    }

    public int Store(IngestBatch batch)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            using var insert = Command(transaction, """
                INSERT INTO records (appliance, stream, epoch, seq, ts, kind, body) VALUES ($a, $s, $e, $seq, $ts, $kind, $body)
                ON CONFLICT DO NOTHING
                """);
            insert.Parameters.AddWithValue("$a", batch.Appliance);
            insert.Parameters.AddWithValue("$s", batch.Stream);
            insert.Parameters.AddWithValue("$e", batch.Epoch);
            var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
            var ts = insert.Parameters.Add("$ts", SqliteType.Integer);
            var kind = insert.Parameters.Add("$kind", SqliteType.Text);
            var body = insert.Parameters.Add("$body", SqliteType.Text);
            var stored = 0;
            for (var i = 0; i < batch.Records.Count; i++)
            {
                var (recordTs, recordKind) = RecordFields.Header(batch.Records[i]);
                seq.Value = batch.SeqFirst + i;
                ts.Value = recordTs is { } t ? t : DBNull.Value;
                kind.Value = (object?)recordKind ?? DBNull.Value;
                body.Value = batch.Records[i];
                stored += insert.ExecuteNonQuery();
                if (recordKind == "gap")
                {
                    Skip(transaction, batch, batch.Records[i]);
                }
            }

            Advance(transaction, batch.Appliance, batch.School, batch.Stream, batch.Epoch, batch.SeqFirst + batch.Records.Count - 1);
            transaction.Commit();
            return stored;
        }
    }

    // A gap record (the box dropped records under its disk budget) marks those seqs as skipped on purpose.
    private void Skip(SqliteTransaction transaction, IngestBatch batch, string record)
    {
        if (RecordFields.Gap(record, batch.Epoch) is not { } gap)
        {
            return;
        }

        using var command = Command(transaction, "INSERT OR IGNORE INTO skipped VALUES ($a, $s, $e, $from, $to)");
        command.Parameters.AddWithValue("$a", batch.Appliance);
        command.Parameters.AddWithValue("$s", gap.Stream);
        command.Parameters.AddWithValue("$e", gap.Epoch);
        command.Parameters.AddWithValue("$from", gap.From);
        command.Parameters.AddWithValue("$to", gap.To);
        command.ExecuteNonQuery();
        Advance(transaction, batch.Appliance, batch.School, gap.Stream, gap.Epoch, 0);
    }

    // Walks the contiguous mark forward over stored records and skipped ranges.
    private void Advance(SqliteTransaction transaction, string appliance, string school, string stream, long epoch, long highestSeen)
    {
        using var command = Command(transaction, """
            INSERT INTO progress (appliance, school, stream, epoch, contiguous, highest) VALUES ($a, $school, $s, $e, 0, $h)
            ON CONFLICT DO UPDATE SET highest = max(highest, $h), school = $school;
            SELECT contiguous FROM progress WHERE appliance = $a AND stream = $s AND epoch = $e;
            """);
        command.Parameters.AddWithValue("$a", appliance);
        command.Parameters.AddWithValue("$school", school);
        command.Parameters.AddWithValue("$s", stream);
        command.Parameters.AddWithValue("$e", epoch);
        command.Parameters.AddWithValue("$h", highestSeen);
        var contiguous = (long)command.ExecuteScalar()!;
        var start = contiguous;
        using var next = Command(transaction, """
            SELECT COALESCE((SELECT to_seq FROM skipped WHERE appliance = $a AND stream = $s AND epoch = $e AND from_seq <= $n AND to_seq >= $n),
                            (SELECT seq FROM records WHERE appliance = $a AND stream = $s AND epoch = $e AND seq = $n))
            """);
        next.Parameters.AddWithValue("$a", appliance);
        next.Parameters.AddWithValue("$s", stream);
        next.Parameters.AddWithValue("$e", epoch);
        var n = next.Parameters.Add("$n", SqliteType.Integer);
        while (true)
        {
            n.Value = contiguous + 1;
            if (next.ExecuteScalar() is not long reached)
            {
                break;
            }

            contiguous = reached;
        }

        if (contiguous != start)
        {
            command.CommandText = "UPDATE progress SET contiguous = $c WHERE appliance = $a AND stream = $s AND epoch = $e";
            command.Parameters.AddWithValue("$c", contiguous);
            command.ExecuteNonQuery();
        }
    }

    public void SetPresence(string school, string appliance, string presence, string? version, long? epoch, DateTimeOffset at)
    {
        lock (_lock)
        {
            using var command = Command(null, """
                INSERT INTO appliances VALUES ($a, $school, $p, $v, $e, $at)
                ON CONFLICT DO UPDATE SET school = $school, presence = $p, version = COALESCE($v, version), epoch = COALESCE($e, epoch), seen_ms = $at
                """);
            command.Parameters.AddWithValue("$a", appliance);
            command.Parameters.AddWithValue("$school", school);
            command.Parameters.AddWithValue("$p", presence);
            command.Parameters.AddWithValue("$v", (object?)version ?? DBNull.Value);
            command.Parameters.AddWithValue("$e", (object?)epoch ?? DBNull.Value);
            command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    public void SetReported(string appliance, string state, DateTimeOffset at)
    {
        lock (_lock)
        {
            using var command = Command(null, "INSERT INTO reported VALUES ($a, $b, $at) ON CONFLICT DO UPDATE SET body = $b, seen_ms = $at");
            command.Parameters.AddWithValue("$a", appliance);
            command.Parameters.AddWithValue("$b", state);
            command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    public string? RegisteredSchool(string appliance)
    {
        lock (_lock)
        {
            using var command = Command(null, "SELECT school FROM registry WHERE appliance = $a");
            command.Parameters.AddWithValue("$a", appliance);
            return command.ExecuteScalar() as string;
        }
    }

    public void Register(string appliance, string school)
    {
        lock (_lock)
        {
            using var command = Command(null, "INSERT INTO registry VALUES ($a, $s) ON CONFLICT DO UPDATE SET school = $s");
            command.Parameters.AddWithValue("$a", appliance);
            command.Parameters.AddWithValue("$s", school);
            command.ExecuteNonQuery();
        }
    }

    public IReadOnlyList<StreamProgress> Progress()
        => Query("SELECT appliance, school, stream, epoch, contiguous, highest FROM progress ORDER BY appliance, stream, epoch",
            r => new StreamProgress(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)));

    public IReadOnlyList<ApplianceStatus> Status()
        => Query("""
            SELECT a.appliance, a.school, a.presence, a.version, a.epoch, a.seen_ms,
                   (SELECT COALESCE(SUM(contiguous), 0) FROM progress p WHERE p.appliance = a.appliance), s.body
            FROM appliances a LEFT JOIN reported s ON s.appliance = a.appliance ORDER BY a.school, a.appliance
            """,
            r => new ApplianceStatus(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : r.GetInt64(4), r.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)), r.GetInt64(6))
            {
                Reported = r.IsDBNull(7) ? null : r.GetString(7),
            });

    public IReadOnlyList<StoredRecord> Latest(string stream, int limit)
    {
        lock (_lock)
        {
            using var command = Command(null, """
                SELECT r.appliance, COALESCE(a.school, '?'), r.stream, r.epoch, r.seq, r.ts, r.body FROM records r
                LEFT JOIN appliances a ON a.appliance = r.appliance
                WHERE r.stream = $s ORDER BY r.ts DESC, r.seq DESC LIMIT $n
                """);
            command.Parameters.AddWithValue("$s", stream);
            command.Parameters.AddWithValue("$n", limit);
            using var reader = command.ExecuteReader();
            var result = new List<StoredRecord>();
            while (reader.Read())
            {
                result.Add(new StoredRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                    reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.GetString(6)));
            }

            return result;
        }
    }

    public IReadOnlyList<(long Seq, string Record)> Records(string appliance, string stream, long epoch)
    {
        lock (_lock)
        {
            using var command = Command(null, "SELECT seq, body FROM records WHERE appliance = $a AND stream = $s AND epoch = $e ORDER BY seq");
            command.Parameters.AddWithValue("$a", appliance);
            command.Parameters.AddWithValue("$s", stream);
            command.Parameters.AddWithValue("$e", epoch);
            using var reader = command.ExecuteReader();
            var result = new List<(long, string)>();
            while (reader.Read())
            {
                result.Add((reader.GetInt64(0), reader.GetString(1)));
            }

            return result;
        }
    }

    public void Dispose() => _connection.Dispose();

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> map)
    {
        lock (_lock)
        {
            using var command = Command(null, sql);
            using var reader = command.ExecuteReader();
            var result = new List<T>();
            while (reader.Read())
            {
                result.Add(map(reader));
            }

            return result;
        }
    }

    private SqliteCommand Command(SqliteTransaction? transaction, string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private void Execute(string sql)
    {
        using var command = Command(null, sql);
        command.ExecuteNonQuery();
    }
}
