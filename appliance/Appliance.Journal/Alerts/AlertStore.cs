using Microsoft.Data.Sqlite;

namespace Appliance.Journal.Alerts;

/// <summary>
/// The DSL's alerts on the box (DATA_DIR/alerts.db, <c>synchronous=FULL</c>): the web UI's inbox reads them, and
/// e-mail is sent from here, so an alert raised while the mail server is unreachable goes out when it is back,
/// across restarts. Triage state starts as <c>new</c>.
/// </summary>
public sealed class AlertStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    private AlertStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    /// <exception cref="JournalException">The file cannot be opened or is not an alert store.</exception>
    public static AlertStore Open(string path)
    {
        var connection = JournalDatabase.Open(path, "alert store", """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            CREATE TABLE IF NOT EXISTS alerts (
                id         INTEGER PRIMARY KEY,
                at         INTEGER NOT NULL,
                rule       TEXT    NOT NULL,
                severity   INTEGER NOT NULL,
                client     TEXT    NOT NULL,
                user       TEXT,
                grp        TEXT    NOT NULL,
                name       TEXT    NOT NULL,
                categories INTEGER NOT NULL,
                reason     INTEGER NOT NULL,
                blocked    INTEGER NOT NULL,
                suppressed INTEGER NOT NULL,
                state      TEXT    NOT NULL DEFAULT 'new',
                emailed_at INTEGER
            );
            CREATE INDEX IF NOT EXISTS alerts_unmailed ON alerts (id) WHERE emailed_at IS NULL;
            """);
        return new AlertStore(connection, path);
    }

    /// <summary>Stores the alerts in one transaction; returns them with their ids.</summary>
    /// <exception cref="JournalException">Not stored (full disk…).</exception>
    public IReadOnlyList<Alert> Append(IReadOnlyList<Alert> alerts)
    {
        if (alerts.Count == 0)
        {
            return alerts;
        }

        lock (_lock)
        {
            try
            {
                using var transaction = _connection.BeginTransaction();
                using var command = _connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO alerts (at, rule, severity, client, user, grp, name, categories, reason, blocked, suppressed)
                    VALUES ($at, $rule, $severity, $client, $user, $grp, $name, $categories, $reason, $blocked, $suppressed) RETURNING id
                    """;
                var stored = new List<Alert>(alerts.Count);
                foreach (var a in alerts)
                {
                    command.Parameters.Clear();
                    command.Parameters.AddWithValue("$at", a.At.ToUnixTimeMilliseconds());
                    command.Parameters.AddWithValue("$rule", a.Rule);
                    command.Parameters.AddWithValue("$severity", (int)a.Severity);
                    command.Parameters.AddWithValue("$client", a.Client);
                    command.Parameters.AddWithValue("$user", (object?)a.User ?? DBNull.Value);
                    command.Parameters.AddWithValue("$grp", a.Group);
                    command.Parameters.AddWithValue("$name", a.Name);
                    command.Parameters.AddWithValue("$categories", unchecked((long)a.Categories));
                    command.Parameters.AddWithValue("$reason", a.Reason);
                    command.Parameters.AddWithValue("$blocked", a.Blocked ? 1 : 0);
                    command.Parameters.AddWithValue("$suppressed", a.Suppressed);
                    stored.Add(a with { Id = (long)command.ExecuteScalar()! });
                }

                transaction.Commit();
                return stored;
            }
            catch (SqliteException ex)
            {
                throw new JournalException($"alert store {Path}: {alerts.Count} alerts were not stored: {ex.Message}", ex);
            }
        }
    }

    /// <summary>The oldest alerts not yet e-mailed.</summary>
    public IReadOnlyList<Alert> NotEmailed(int limit) => Read("WHERE emailed_at IS NULL ORDER BY id LIMIT $n", limit);

    /// <summary>The newest alerts, newest first.</summary>
    public IReadOnlyList<Alert> Recent(int limit) => Read("ORDER BY id DESC LIMIT $n", limit);

    /// <summary>When an alert was e-mailed (its server accepted it); null: not yet, or no such alert.</summary>
    public DateTimeOffset? EmailedAt(long id)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT emailed_at FROM alerts WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            return command.ExecuteScalar() is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        }
    }

    public void MarkEmailed(IEnumerable<long> ids, DateTimeOffset at)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE alerts SET emailed_at = $at WHERE id = $id";
            command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            var id = command.Parameters.Add("$id", SqliteType.Integer);
            foreach (var value in ids)
            {
                id.Value = value;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    public void Dispose() => _connection.Dispose();

    private List<Alert> Read(string clauses, int limit)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, at, rule, severity, client, user, grp, name, categories, reason, blocked, suppressed FROM alerts " + clauses;
            command.Parameters.AddWithValue("$n", limit);
            using var reader = command.ExecuteReader();
            var result = new List<Alert>();
            while (reader.Read())
            {
                result.Add(new Alert(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2),
                    (AlertSeverity)reader.GetInt32(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6),
                    reader.GetString(7), unchecked((ulong)reader.GetInt64(8)), reader.GetInt32(9), reader.GetInt64(10) != 0, reader.GetInt32(11)));
            }

            return result;
        }
    }
}
