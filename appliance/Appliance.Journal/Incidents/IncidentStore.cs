using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Appliance.Journal.Incidents;

/// <summary>
/// Incidents on the box (DATA_DIR/incidents.db, WAL, <c>synchronous=FULL</c>): a raise is committed to disk before the
/// panel's LED confirms it, so an incident survives a power cut the moment the teacher sees it taken. Several
/// processes may use the file (the service, the CLI); the service forwards what changed.
/// </summary>
public sealed class IncidentStore : IDisposable
{
    private const string Columns = "id, raised_ms, panel, room, raised_by, test, state, state_ms, state_by, evidence_sha256, evidence_file, alert_id, delivered_ms, escalated_ms, forwarded_state, outbox_seq";
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    private IncidentStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    /// <exception cref="JournalException">The file cannot be opened or is not an incident store.</exception>
    public static IncidentStore Open(string path)
    {
        var connection = JournalDatabase.Open(path, "incident store", """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA busy_timeout = 5000;
            CREATE TABLE IF NOT EXISTS incidents (
                id              INTEGER PRIMARY KEY,
                raised_ms       INTEGER NOT NULL,
                panel           TEXT    NOT NULL,
                room            TEXT    NOT NULL,
                raised_by       TEXT    NOT NULL,
                test            INTEGER NOT NULL,
                state           TEXT    NOT NULL,
                state_ms        INTEGER NOT NULL,
                state_by        TEXT,
                evidence_sha256 TEXT,
                evidence_file   TEXT,
                alert_id        INTEGER,
                delivered_ms    INTEGER,
                escalated_ms    INTEGER,
                forwarded_state TEXT,
                outbox_seq      INTEGER
            );
            CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS incident_notes (
                incident_id INTEGER NOT NULL,
                at_ms       INTEGER NOT NULL,
                note_by     TEXT    NOT NULL,
                text        TEXT    NOT NULL
            );
            CREATE INDEX IF NOT EXISTS incident_notes_by_incident ON incident_notes (incident_id);
            """);
        return new IncidentStore(connection, path);
    }

    /// <summary>Records a raise; committed to disk when this returns.</summary>
    /// <exception cref="JournalException">Not stored (full disk…): the caller must show the teacher it failed.</exception>
    public Incident Raise(DateTimeOffset at, string panel, string room, string raisedBy, bool test)
    {
        var id = Scalar("""
            INSERT INTO incidents (raised_ms, panel, room, raised_by, test, state, state_ms) VALUES ($at, $panel, $room, $by, $test, 'raised', $at) RETURNING id
            """, ("$at", at.ToUnixTimeMilliseconds()), ("$panel", panel), ("$room", room), ("$by", raisedBy), ("$test", test ? 1 : 0));
        return Get(id!.Value)!;
    }

    /// <summary>Moves an incident to <paramref name="state"/>; false if it was not in a state that allows it (closed stays closed).</summary>
    public bool SetState(long id, IncidentState state, string by, DateTimeOffset at)
    {
        var allowed = state switch
        {
            IncidentState.Cancelled => "'raised'",
            IncidentState.Acknowledged => "'raised'",
            IncidentState.Closed => "'raised', 'acknowledged', 'cancelled'",
            _ => "",
        };
        return allowed.Length > 0 && Execute($"UPDATE incidents SET state = $state, state_ms = $at, state_by = $by WHERE id = $id AND state IN ({allowed})",
            ("$state", state.ToString().ToLowerInvariant()), ("$at", at.ToUnixTimeMilliseconds()), ("$by", by), ("$id", id)) == 1;
    }

    public void SetEvidence(long id, string sha256, string file)
        => Execute("UPDATE incidents SET evidence_sha256 = $sha, evidence_file = $file WHERE id = $id", ("$sha", sha256), ("$file", file), ("$id", id));

    public void SetAlert(long id, long alertId) => Execute("UPDATE incidents SET alert_id = $a WHERE id = $id", ("$a", alertId), ("$id", id));

    public void SetOutboxSeq(long id, long seq) => Execute("UPDATE incidents SET outbox_seq = $s WHERE id = $id", ("$s", seq), ("$id", id));

    public void SetForwarded(long id, string state) => Execute("UPDATE incidents SET forwarded_state = $s WHERE id = $id", ("$s", state), ("$id", id));

    public void MarkDelivered(long id, DateTimeOffset at)
        => Execute("UPDATE incidents SET delivered_ms = $at WHERE id = $id AND delivered_ms IS NULL", ("$at", at.ToUnixTimeMilliseconds()), ("$id", id));

    public void MarkEscalated(long id, DateTimeOffset at)
        => Execute("UPDATE incidents SET escalated_ms = $at WHERE id = $id AND escalated_ms IS NULL", ("$at", at.ToUnixTimeMilliseconds()), ("$id", id));

    /// <summary>Adds the DSL's triage note (committed to disk when this returns); false if there is no such incident.</summary>
    public bool AddNote(long id, DateTimeOffset at, string by, string text)
        => Execute("INSERT INTO incident_notes SELECT $id, $at, $by, $text WHERE EXISTS (SELECT 1 FROM incidents WHERE id = $id)",
            ("$id", id), ("$at", at.ToUnixTimeMilliseconds()), ("$by", by), ("$text", text)) == 1;

    /// <summary>An incident's triage notes, oldest first.</summary>
    public IReadOnlyList<IncidentNote> Notes(long id)
    {
        lock (_lock)
        {
            try
            {
                using var command = Command("SELECT at_ms, note_by, text FROM incident_notes WHERE incident_id = $id ORDER BY rowid", [("$id", id)]);
                using var reader = command.ExecuteReader();
                var notes = new List<IncidentNote>();
                while (reader.Read())
                {
                    notes.Add(new IncidentNote(id, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetString(1), reader.GetString(2)));
                }

                return notes;
            }
            catch (SqliteException ex)
            {
                throw new JournalException($"incident store {Path}: {ex.Message}", ex);
            }
        }
    }

    public Incident? Get(long id) => Read("WHERE id = $id", ("$id", id)).FirstOrDefault();

    /// <summary>The newest incident, open or not (the panel shows it).</summary>
    public Incident? Latest() => Read("ORDER BY id DESC LIMIT 1").FirstOrDefault();

    /// <summary>Newest first.</summary>
    public IReadOnlyList<Incident> Recent(int limit) => Read("ORDER BY id DESC LIMIT $n", ("$n", limit));

    /// <summary>Incidents whose state has not yet gone to the LA.</summary>
    public IReadOnlyList<Incident> NotForwarded() => Read("WHERE forwarded_state IS NULL OR forwarded_state <> state ORDER BY id");

    /// <summary>Until when raises are marked TEST (the weekly test); null when test mode is off.</summary>
    public DateTimeOffset? TestModeUntil
    {
        get => Scalar("SELECT value FROM settings WHERE key = 'test_until_ms'") is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public void SetTestMode(DateTimeOffset? until)
        => Execute(until is { } u ? "INSERT INTO settings VALUES ('test_until_ms', $v) ON CONFLICT DO UPDATE SET value = $v" : "DELETE FROM settings WHERE key = 'test_until_ms'",
            ("$v", until?.ToUnixTimeMilliseconds() ?? 0));

    public void Dispose() => _connection.Dispose();

    private int Execute(string sql, params (string Name, object Value)[] parameters)
    {
        lock (_lock)
        {
            try
            {
                using var command = Command(sql, parameters);
                return command.ExecuteNonQuery();
            }
            catch (SqliteException ex)
            {
                throw new JournalException($"incident store {Path}: {ex.Message}", ex);
            }
        }
    }

    private long? Scalar(string sql, params (string Name, object Value)[] parameters)
    {
        lock (_lock)
        {
            try
            {
                using var command = Command(sql, parameters);
                return command.ExecuteScalar() is long value ? value : null;
            }
            catch (SqliteException ex)
            {
                throw new JournalException($"incident store {Path}: {ex.Message}", ex);
            }
        }
    }

    private SqliteCommand Command(string sql, (string Name, object Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private List<Incident> Read(string clauses, params (string Name, object Value)[] parameters)
    {
        lock (_lock)
        {
            try
            {
                return ReadLocked(clauses, parameters);
            }
            catch (SqliteException ex)
            {
                throw new JournalException($"incident store {Path}: {ex.Message}", ex);
            }
        }
    }

    private List<Incident> ReadLocked(string clauses, (string Name, object Value)[] parameters)
    {
        using var command = Command($"SELECT {Columns} FROM incidents {clauses}", parameters);
        using var reader = command.ExecuteReader();
        var result = new List<Incident>();
        while (reader.Read())
        {
            DateTimeOffset? Time(int i) => reader.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(i));
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            result.Add(new Incident(reader.GetInt64(0), Time(1)!.Value, reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5) != 0,
                Enum.Parse<IncidentState>(reader.GetString(6), ignoreCase: true), Time(7)!.Value)
            {
                StateBy = Text(8),
                EvidenceSha256 = Text(9),
                EvidenceFile = Text(10),
                AlertId = reader.IsDBNull(11) ? null : reader.GetInt64(11),
                DeliveredAt = Time(12),
                EscalatedAt = Time(13),
                ForwardedState = Text(14),
                OutboxSeq = reader.IsDBNull(15) ? null : reader.GetInt64(15),
            });
        }

        return result;
    }

    /// <summary>"#12 2026-11-30 10:05:03Z raised (TEST) panel-1 'Room 4' by panel".</summary>
    public static string Describe(Incident i)
        => string.Create(CultureInfo.InvariantCulture, $"#{i.Id} {i.RaisedAt:yyyy-MM-dd HH:mm:ss}Z {i.StateName}{(i.Test ? " (TEST)" : "")} {i.Panel} '{i.Room}' by {i.RaisedBy}");
}
