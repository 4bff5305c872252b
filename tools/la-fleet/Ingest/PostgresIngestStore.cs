using Npgsql;
using NpgsqlTypes;

namespace LaFleet.Ingest;

/// <summary>
/// The ingest store for an LA that outgrows one machine: PostgreSQL through Npgsql. Several ingest instances (the
/// shared subscription spreads the boxes' messages over them) write to it at once; every write is idempotent on
/// (appliance, stream, epoch, seq), and the contiguous mark only ever moves forward.
/// </summary>
public sealed class PostgresIngestStore : IIngestStore
{
    private readonly NpgsqlDataSource _source;

    public PostgresIngestStore(string connectionString)
    {
        _source = NpgsqlDataSource.Create(connectionString);
        Execute("""
            CREATE TABLE IF NOT EXISTS records (
                appliance TEXT NOT NULL, stream TEXT NOT NULL, epoch BIGINT NOT NULL, seq BIGINT NOT NULL,
                ts BIGINT, kind TEXT, body TEXT NOT NULL,
                PRIMARY KEY (appliance, stream, epoch, seq));
            CREATE INDEX IF NOT EXISTS records_stream_ts ON records (stream, ts);
            CREATE TABLE IF NOT EXISTS progress (
                appliance TEXT NOT NULL, school TEXT NOT NULL, stream TEXT NOT NULL, epoch BIGINT NOT NULL,
                contiguous BIGINT NOT NULL, highest BIGINT NOT NULL,
                PRIMARY KEY (appliance, stream, epoch));
            CREATE TABLE IF NOT EXISTS skipped (
                appliance TEXT NOT NULL, stream TEXT NOT NULL, epoch BIGINT NOT NULL, from_seq BIGINT NOT NULL, to_seq BIGINT NOT NULL,
                PRIMARY KEY (appliance, stream, epoch, from_seq));
            CREATE TABLE IF NOT EXISTS appliances (
                appliance TEXT PRIMARY KEY, school TEXT NOT NULL, presence TEXT NOT NULL, version TEXT, epoch BIGINT, seen_ms BIGINT);
            CREATE TABLE IF NOT EXISTS registry (appliance TEXT PRIMARY KEY, school TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS reported (appliance TEXT PRIMARY KEY, body TEXT NOT NULL, seen_ms BIGINT NOT NULL);
            """);
    }

    public int Store(IngestBatch batch)
    {
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        var n = batch.Records.Count;
        var seqs = new long[n];
        var ts = new long?[n];
        var kinds = new string?[n];
        for (var i = 0; i < n; i++)
        {
            seqs[i] = batch.SeqFirst + i;
            (ts[i], kinds[i]) = RecordFields.Header(batch.Records[i]);
        }

        // One statement for the whole chunk: arrays unnested server-side.
        using var insert = new NpgsqlCommand("""
            INSERT INTO records (appliance, stream, epoch, seq, ts, kind, body)
            SELECT $1, $2, $3, s, t, k, b FROM unnest($4::bigint[], $5::bigint[], $6::text[], $7::text[]) AS u(s, t, k, b)
            ON CONFLICT DO NOTHING
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Appliance });
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Stream });
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Epoch });
        insert.Parameters.Add(new NpgsqlParameter { Value = seqs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        insert.Parameters.Add(new NpgsqlParameter { Value = ts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        insert.Parameters.Add(new NpgsqlParameter { Value = kinds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Records.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var stored = insert.ExecuteNonQuery();

        for (var i = 0; i < n; i++)
        {
            if (kinds[i] == "gap" && RecordFields.Gap(batch.Records[i], batch.Epoch) is { } gap)
            {
                using var skip = new NpgsqlCommand("INSERT INTO skipped VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING", connection, transaction);
                foreach (var value in new object[] { batch.Appliance, gap.Stream, gap.Epoch, gap.From, gap.To })
                {
                    skip.Parameters.Add(new NpgsqlParameter { Value = value });
                }

                skip.ExecuteNonQuery();
                Advance(connection, transaction, batch.Appliance, batch.School, gap.Stream, gap.Epoch, 0);
            }
        }

        Advance(connection, transaction, batch.Appliance, batch.School, batch.Stream, batch.Epoch, batch.SeqFirst + n - 1);
        transaction.Commit();
        return stored;
    }

    // The first seq after the mark that is neither stored nor skipped, found in one set-based query.
    private static void Advance(NpgsqlConnection connection, NpgsqlTransaction transaction, string appliance, string school, string stream, long epoch, long highestSeen)
    {
        using var upsert = new NpgsqlCommand("""
            INSERT INTO progress VALUES ($1, $2, $3, $4, 0, $5)
            ON CONFLICT (appliance, stream, epoch) DO UPDATE SET highest = GREATEST(progress.highest, EXCLUDED.highest), school = EXCLUDED.school
            """, connection, transaction);
        foreach (var value in new object[] { appliance, school, stream, epoch, highestSeen })
        {
            upsert.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        upsert.ExecuteNonQuery();
        // Walks forward: over the run of stored seqs right after the mark, read 1,000 at a time in index order, or over
        // a skipped range that starts there. Each step reads only what lies past the mark, so the cost follows what
        // arrived, not how far the stream has come.
        var contiguous = Scalar(connection, transaction, "SELECT contiguous FROM progress WHERE appliance = $1 AND stream = $2 AND epoch = $3", appliance, stream, epoch) ?? 0;
        var start = contiguous;
        while (true)
        {
            var next = contiguous + 1;
            var run = StoredRun(connection, transaction, appliance, stream, epoch, next);
            if (run > 0)
            {
                contiguous = next + run - 1;
            }
            else if (Scalar(connection, transaction, "SELECT max(to_seq) FROM skipped WHERE appliance = $1 AND stream = $2 AND epoch = $3 AND from_seq <= $4 AND to_seq >= $4",
                         appliance, stream, epoch, next) is { } skippedTo)
            {
                contiguous = skippedTo;
            }
            else
            {
                break;
            }
        }

        if (contiguous != start)
        {
            using var advance = new NpgsqlCommand("UPDATE progress SET contiguous = GREATEST(contiguous, $4) WHERE appliance = $1 AND stream = $2 AND epoch = $3",
                connection, transaction);
            foreach (var value in new object[] { appliance, stream, epoch, contiguous })
            {
                advance.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            advance.ExecuteNonQuery();
        }
    }

    // How many seqs from `from` on are stored without a hole (read in pages of 1,000 along the primary key).
    private static long StoredRun(NpgsqlConnection connection, NpgsqlTransaction transaction, string appliance, string stream, long epoch, long from)
    {
        long run = 0;
        while (true)
        {
            using var command = new NpgsqlCommand(
                "SELECT seq FROM records WHERE appliance = $1 AND stream = $2 AND epoch = $3 AND seq >= $4 AND seq < $4 + 1000 ORDER BY seq", connection, transaction);
            foreach (var value in new object[] { appliance, stream, epoch, from + run })
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            using var reader = command.ExecuteReader();
            var expected = from + run;
            while (reader.Read() && reader.GetInt64(0) == expected)
            {
                expected++;
            }

            var page = expected - (from + run);
            run += page;
            if (page < 1000)
            {
                return run;
            }
        }
    }

    private static long? Scalar(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object[] values)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command.ExecuteScalar() is long n ? n : null;
    }

    public void SetPresence(string school, string appliance, string presence, string? version, long? epoch, DateTimeOffset at)
        => Execute("""
            INSERT INTO appliances VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (appliance) DO UPDATE SET school = $2, presence = $3, version = COALESCE($4, appliances.version),
                epoch = COALESCE($5, appliances.epoch), seen_ms = $6
            """, appliance, school, presence, version, epoch, at.ToUnixTimeMilliseconds());

    public void SetReported(string appliance, string state, DateTimeOffset at)
        => Execute("INSERT INTO reported VALUES ($1, $2, $3) ON CONFLICT (appliance) DO UPDATE SET body = $2, seen_ms = $3", appliance, state, at.ToUnixTimeMilliseconds());

    public string? RegisteredSchool(string appliance)
        => Query("SELECT school FROM registry WHERE appliance = $1", r => r.GetString(0), appliance).FirstOrDefault();

    public void Register(string appliance, string school)
        => Execute("INSERT INTO registry VALUES ($1, $2) ON CONFLICT (appliance) DO UPDATE SET school = $2", appliance, school);

    public IReadOnlyList<StreamProgress> Progress()
        => Query("SELECT appliance, school, stream, epoch, contiguous, highest FROM progress ORDER BY appliance, stream, epoch",
            r => new StreamProgress(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)));

    public IReadOnlyList<ApplianceStatus> Status()
        => Query("""
            SELECT a.appliance, a.school, a.presence, a.version, a.epoch, a.seen_ms,
                   (SELECT COALESCE(SUM(contiguous), 0)::bigint FROM progress p WHERE p.appliance = a.appliance), s.body
            FROM appliances a LEFT JOIN reported s ON s.appliance = a.appliance ORDER BY a.school, a.appliance
            """,
            r => new ApplianceStatus(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : r.GetInt64(4), r.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)), r.GetInt64(6))
            {
                Reported = r.IsDBNull(7) ? null : r.GetString(7),
            });

    public IReadOnlyList<StoredRecord> Latest(string stream, int limit)
        => Query("""
            SELECT r.appliance, COALESCE(a.school, '?'), r.stream, r.epoch, r.seq, r.ts, r.body FROM records r
            LEFT JOIN appliances a ON a.appliance = r.appliance
            WHERE r.stream = $1 ORDER BY r.ts DESC, r.seq DESC LIMIT $2
            """,
            r => new StoredRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.IsDBNull(5) ? null : r.GetInt64(5), r.GetString(6)),
            stream, limit);

    public IReadOnlyList<(long Seq, string Record)> Records(string appliance, string stream, long epoch)
        => Query("SELECT seq, body FROM records WHERE appliance = $1 AND stream = $2 AND epoch = $3 ORDER BY seq",
            r => (r.GetInt64(0), r.GetString(1)), appliance, stream, epoch);

    public void Dispose() => _source.Dispose();

    private void Execute(string sql, params object?[] values)
    {
        using var command = _source.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        command.ExecuteNonQuery();
    }

    private List<T> Query<T>(string sql, Func<NpgsqlDataReader, T> map, params object[] values)
    {
        using var command = _source.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        using var reader = command.ExecuteReader();
        var result = new List<T>();
        while (reader.Read())
        {
            result.Add(map(reader));
        }

        return result;
    }
}
