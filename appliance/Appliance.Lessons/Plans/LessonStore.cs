using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Appliance.Lessons.Plans;

/// <summary>The lesson store could not be opened, read or written; the message names the file and the cause.</summary>
public sealed class LessonStoreException : Exception
{
    public LessonStoreException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public LessonStoreException(string message)
        : base(message)
    {
    }

    public LessonStoreException()
    {
    }
}

/// <summary>
/// Lesson plans and their sites (DATA_DIR/lessons/lessons.db, WAL, <c>synchronous=FULL</c>: a plan or an approval
/// that was acknowledged survives a power cut). A decision on a site is one conditional update
/// (<c>WHERE status = 'pending'</c>), so two people deciding at once cannot both succeed. Who may do what is the
/// <see cref="LessonPlanner"/>'s business; this class keeps the record.
/// </summary>
public sealed partial class LessonStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    private LessonStore(SqliteConnection connection, string path) => (_connection, Path) = (connection, path);

    public string Path { get; }

    /// <exception cref="LessonStoreException">The file cannot be opened or is not a lesson store.</exception>
    public static LessonStore Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                PRAGMA foreign_keys = ON;
                CREATE TABLE IF NOT EXISTS lessons (
                    id         INTEGER PRIMARY KEY AUTOINCREMENT,
                    title      TEXT    NOT NULL,
                    teacher    TEXT    NOT NULL,
                    grp        TEXT,
                    room       TEXT,
                    first_date TEXT    NOT NULL,
                    start      TEXT    NOT NULL,
                    finish     TEXT    NOT NULL,
                    weekly     INTEGER NOT NULL,
                    until      TEXT,
                    created_at TEXT    NOT NULL
                );
                CREATE TABLE IF NOT EXISTS sites (
                    id              INTEGER PRIMARY KEY AUTOINCREMENT,
                    lesson_id       INTEGER NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
                    position        INTEGER NOT NULL,
                    url             TEXT    NOT NULL,
                    host            TEXT    NOT NULL,
                    note            TEXT    NOT NULL,
                    status          TEXT    NOT NULL,
                    status_reason   TEXT    NOT NULL,
                    decided_by      TEXT,
                    decided_at      TEXT,
                    decision_reason TEXT,
                    added_by        TEXT
                );
                CREATE INDEX IF NOT EXISTS sites_lesson ON sites (lesson_id, position);
                CREATE INDEX IF NOT EXISTS sites_pending ON sites (id) WHERE status = 'pending';
                """;
            command.ExecuteNonQuery();
            // A store made before sites recorded who added them (the first builds of issue 9) gains the column.
            command.CommandText = "SELECT count(*) FROM pragma_table_info('sites') WHERE name = 'added_by'";
            if ((long)command.ExecuteScalar()! == 0)
            {
                command.CommandText = "ALTER TABLE sites ADD COLUMN added_by TEXT";
                command.ExecuteNonQuery();
            }

            return new LessonStore(connection, path);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new LessonStoreException($"lesson store {path}: {ex.Message}", ex);
        }
    }

    /// <summary>Stores a new plan with its sites in one transaction; returns it with its ids.</summary>
    /// <exception cref="LessonStoreException">Not stored (a full disk…); nothing was written.</exception>
    public LessonPlan Add(LessonPlan plan) => InTransaction(command =>
    {
        command.CommandText = """
            INSERT INTO lessons (title, teacher, grp, room, first_date, start, finish, weekly, until, created_at)
            VALUES ($title, $teacher, $grp, $room, $date, $start, $finish, $weekly, $until, $created) RETURNING id
            """;
        BindLesson(command, plan);
        command.Parameters.AddWithValue("$created", Time(plan.CreatedAt));
        var id = (long)command.ExecuteScalar()!;
        return plan with { Id = id, Sites = InsertSites(command, id, plan.Sites) };
    });

    /// <summary>Replaces a plan's details and sites (sites keep their ids when the caller kept them); false when it is gone.</summary>
    /// <exception cref="LessonStoreException">Not stored; the plan is as it was.</exception>
    public bool Update(LessonPlan plan) => InTransaction(command =>
    {
        command.CommandText = """
            UPDATE lessons SET title = $title, teacher = $teacher, grp = $grp, room = $room, first_date = $date, start = $start,
                finish = $finish, weekly = $weekly, until = $until WHERE id = $id
            """;
        BindLesson(command, plan);
        command.Parameters.AddWithValue("$id", plan.Id);
        if (command.ExecuteNonQuery() == 0)
        {
            return false;
        }

        command.Parameters.Clear();
        command.CommandText = "DELETE FROM sites WHERE lesson_id = $id";
        command.Parameters.AddWithValue("$id", plan.Id);
        command.ExecuteNonQuery();
        InsertSites(command, plan.Id, plan.Sites);
        return true;
    });

    /// <summary>Removes a plan and its sites; false when there was none.</summary>
    public bool Delete(long id) => InTransaction(command =>
    {
        command.CommandText = "DELETE FROM lessons WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteNonQuery() > 0;
    });

    /// <summary>
    /// Moves a site from <paramref name="expected"/> to <paramref name="status"/>; false (and nothing changed) when it
    /// is not in <paramref name="expected"/> any more (someone else decided first, or the lesson was changed).
    /// </summary>
    public bool SetStatus(long siteId, SiteStatus expected, SiteStatus status, string statusReason, string? decidedBy = null,
        DateTimeOffset? decidedAt = null, string? decisionReason = null) => InTransaction(command =>
    {
        command.CommandText = """
            UPDATE sites SET status = $status, status_reason = $reason, decided_by = $by, decided_at = $at, decision_reason = $why
            WHERE id = $id AND status = $expected
            """;
        command.Parameters.AddWithValue("$status", Name(status));
        command.Parameters.AddWithValue("$reason", statusReason);
        command.Parameters.AddWithValue("$by", (object?)decidedBy ?? DBNull.Value);
        command.Parameters.AddWithValue("$at", decidedAt is { } at ? Time(at) : DBNull.Value);
        command.Parameters.AddWithValue("$why", (object?)decisionReason ?? DBNull.Value);
        command.Parameters.AddWithValue("$id", siteId);
        command.Parameters.AddWithValue("$expected", Name(expected));
        return command.ExecuteNonQuery() == 1;
    });

    public void Dispose()
    {
        lock (_lock)
        {
            _connection.Dispose();
        }
    }

    internal static string Name(SiteStatus status) => status.ToString().ToLowerInvariant();

    internal static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static void BindLesson(SqliteCommand command, LessonPlan plan)
    {
        var t = plan.Timing;
        command.Parameters.AddWithValue("$title", plan.Title);
        command.Parameters.AddWithValue("$teacher", plan.Teacher);
        command.Parameters.AddWithValue("$grp", (object?)plan.Group ?? DBNull.Value);
        command.Parameters.AddWithValue("$room", (object?)plan.Room ?? DBNull.Value);
        command.Parameters.AddWithValue("$date", t.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$start", t.Start.ToString("HH:mm", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$finish", t.End.ToString("HH:mm", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$weekly", t.Weekly ? 1 : 0);
        command.Parameters.AddWithValue("$until", t.Until is { } until ? until.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : DBNull.Value);
    }

    private static List<LessonSite> InsertSites(SqliteCommand command, long lessonId, IReadOnlyList<LessonSite> sites)
    {
        var stored = new List<LessonSite>(sites.Count);
        for (var i = 0; i < sites.Count; i++)
        {
            var s = sites[i];
            command.Parameters.Clear();
            command.CommandText = s.Id > 0
                ? """
                  INSERT INTO sites (id, lesson_id, position, url, host, note, status, status_reason, decided_by, decided_at, decision_reason, added_by)
                  VALUES ($id, $lesson, $position, $url, $host, $note, $status, $reason, $by, $at, $why, $added) RETURNING id
                  """
                : """
                  INSERT INTO sites (lesson_id, position, url, host, note, status, status_reason, decided_by, decided_at, decision_reason, added_by)
                  VALUES ($lesson, $position, $url, $host, $note, $status, $reason, $by, $at, $why, $added) RETURNING id
                  """;
            if (s.Id > 0)
            {
                command.Parameters.AddWithValue("$id", s.Id);
            }

            command.Parameters.AddWithValue("$lesson", lessonId);
            command.Parameters.AddWithValue("$position", i);
            command.Parameters.AddWithValue("$url", s.Url);
            command.Parameters.AddWithValue("$host", s.Host);
            command.Parameters.AddWithValue("$note", s.Note);
            command.Parameters.AddWithValue("$status", Name(s.Status));
            command.Parameters.AddWithValue("$reason", s.StatusReason);
            command.Parameters.AddWithValue("$by", (object?)s.DecidedBy ?? DBNull.Value);
            command.Parameters.AddWithValue("$at", s.DecidedAt is { } at ? Time(at) : DBNull.Value);
            command.Parameters.AddWithValue("$why", (object?)s.DecisionReason ?? DBNull.Value);
            command.Parameters.AddWithValue("$added", (object?)s.AddedBy ?? DBNull.Value);
            stored.Add(s with { Id = (long)command.ExecuteScalar()! });
        }

        return stored;
    }

    private T InTransaction<T>(Func<SqliteCommand, T> work)
    {
        lock (_lock)
        {
            try
            {
                using var transaction = _connection.BeginTransaction();
                using var command = _connection.CreateCommand();
                command.Transaction = transaction;
                var result = work(command);
                transaction.Commit();
                return result;
            }
            catch (SqliteException ex)
            {
                throw new LessonStoreException($"lesson store {Path}: {ex.Message}", ex);
            }
        }
    }
}
