using Microsoft.Data.Sqlite;

namespace Appliance.Journal.Checks;

/// <summary>What was checked, on one UTC day: how often it passed and failed, and the last failure's time and reason.</summary>
public sealed record CheckDay(DateOnly Day, string Kind, string Subject, long Passed, long Failed, DateTimeOffset? LastFailure, string? LastProblem);

/// <summary>
/// The record of the box's own checks (DATA_DIR/checks.db), for governors who must show that filtering is checked
/// (school-requirements.md §3): the self-check that a query goes through the resolver and a canary is answered, and
/// each block list refresh. Before it the box kept only the latest outcome in memory, so nothing could say "checked
/// 288 times yesterday, all passed". One row per day, kind and subject, counted up (not a row per check): a check
/// every five minutes for a year is a few thousand rows. WAL with <c>synchronous=NORMAL</c> like the query log: a
/// power cut may lose the last count, never the file.
/// </summary>
public sealed class CheckLog : IDisposable
{
    /// <summary>The self-check: a query through each DNS listener, answered, and a canary answered NXDOMAIN.</summary>
    public const string FilteringKind = "filtering";

    /// <summary>A block list refresh (subject: the list's source).</summary>
    public const string ListKind = "list-refresh";

    private static readonly int EpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    private CheckLog(SqliteConnection connection) => _connection = connection;

    public string Path => _connection.DataSource;

    /// <exception cref="JournalException">The file cannot be opened or is not a check log.</exception>
    public static CheckLog Open(string path) => new(JournalDatabase.Open(path, "check log", """
            PRAGMA busy_timeout = 5000;
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS check_days (
                day          INTEGER NOT NULL,   -- days since 1970-01-01, UTC
                kind         TEXT    NOT NULL,
                subject      TEXT    NOT NULL,
                passed       INTEGER NOT NULL,
                failed       INTEGER NOT NULL,
                last_fail_ms INTEGER,
                last_problem TEXT,
                PRIMARY KEY (day, kind, subject)
            );
            """));

    /// <summary>Counts one check; a failure keeps its time and problem (the newest failure of the day is kept).</summary>
    /// <exception cref="JournalException">Not stored (full disk…).</exception>
    public void Record(DateTimeOffset at, string kind, string subject, bool passed, string? problem = null)
    {
        lock (_lock)
        {
            try
            {
                using var command = _connection.CreateCommand();
                command.CommandText = """
                    INSERT INTO check_days VALUES ($day, $kind, $subject, $passed, 1 - $passed, $fail_ms, $problem)
                    ON CONFLICT (day, kind, subject) DO UPDATE SET
                        passed = passed + $passed,
                        failed = failed + 1 - $passed,
                        last_fail_ms = IFNULL($fail_ms, last_fail_ms),
                        last_problem = IFNULL($problem, last_problem)
                    """;
                command.Parameters.AddWithValue("$day", DateOnly.FromDateTime(at.UtcDateTime).DayNumber - EpochDay);
                command.Parameters.AddWithValue("$kind", kind);
                command.Parameters.AddWithValue("$subject", subject);
                command.Parameters.AddWithValue("$passed", passed ? 1 : 0);
                command.Parameters.AddWithValue("$fail_ms", passed ? DBNull.Value : at.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$problem", passed ? DBNull.Value : problem ?? "failed");
                command.ExecuteNonQuery();
            }
            catch (SqliteException ex)
            {
                throw new JournalException($"check log {Path}: a {kind} check of {subject} was not recorded: {ex.Message}", ex);
            }
        }
    }

    /// <summary>The days in [from, to) (UTC days that start in it), oldest first.</summary>
    public IReadOnlyList<CheckDay> Days(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT day, kind, subject, passed, failed, last_fail_ms, last_problem FROM check_days
                WHERE day >= $from AND day < $to ORDER BY day, kind, subject
                """;
            command.Parameters.AddWithValue("$from", DayNumber(from));
            command.Parameters.AddWithValue("$to", DayNumber(to) + (to.UtcDateTime.TimeOfDay > TimeSpan.Zero ? 1 : 0));
            using var reader = command.ExecuteReader();
            var days = new List<CheckDay>();
            while (reader.Read())
            {
                days.Add(new CheckDay(DateOnly.FromDayNumber(EpochDay + (int)reader.GetInt64(0)), reader.GetString(1), reader.GetString(2),
                    reader.GetInt64(3), reader.GetInt64(4), reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                    reader.IsDBNull(6) ? null : reader.GetString(6)));
            }

            return days;
        }
    }

    public void Dispose() => _connection.Dispose();

    private static int DayNumber(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime).DayNumber - EpochDay;
}
