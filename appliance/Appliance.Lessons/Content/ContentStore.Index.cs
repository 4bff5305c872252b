using System.Text.Json;
using Appliance.Lessons.Fetch;
using Microsoft.Data.Sqlite;

namespace Appliance.Lessons.Content;

/// <summary>The SQLite index: resource rows per (lesson, url), known blobs with their sizes, each lesson's last report.</summary>
public sealed partial class ContentStore
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        CREATE TABLE IF NOT EXISTS blobs (hash TEXT PRIMARY KEY, bytes INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS resources (
            lesson TEXT NOT NULL, url TEXT NOT NULL, final_url TEXT NOT NULL, blob TEXT NOT NULL,
            content_type TEXT NOT NULL, status INTEGER NOT NULL, bytes INTEGER NOT NULL,
            fetched_at INTEGER NOT NULL, fresh_until INTEGER NOT NULL, etag TEXT, last_modified INTEGER,
            mirror_blob TEXT, mirror_content_type TEXT,
            PRIMARY KEY (lesson, url));
        CREATE INDEX IF NOT EXISTS resources_final ON resources (lesson, final_url);
        CREATE TABLE IF NOT EXISTS reports (lesson TEXT PRIMARY KEY, json TEXT NOT NULL);
        """;

    private const string Columns = "lesson, url, final_url, blob, content_type, status, bytes, fetched_at, fresh_until, etag, last_modified, mirror_blob, mirror_content_type";

    /// <summary>Adds or replaces a lesson's row for one URL.</summary>
    /// <exception cref="StorageWriteException">The index could not be written (a full disk); the row is as it was.</exception>
    public void Upsert(StoredResource r)
    {
        lock (_gate)
        {
            Indexing(() => Execute(
                $"INSERT OR REPLACE INTO resources ({Columns}) VALUES ($l, $u, $f, $b, $ct, $s, $n, $at, $fresh, $etag, $lm, $mb, $mct)",
                ("$l", r.LessonId), ("$u", r.Url), ("$f", r.FinalUrl), ("$b", r.BlobHash), ("$ct", r.ContentType), ("$s", r.Status),
                ("$n", r.Bytes), ("$at", r.FetchedAt.ToUnixTimeMilliseconds()), ("$fresh", r.FreshUntil.ToUnixTimeMilliseconds()),
                ("$etag", r.ETag), ("$lm", r.LastModified?.ToUnixTimeMilliseconds()), ("$mb", r.MirrorBlobHash), ("$mct", r.MirrorContentType)));
        }
    }

    /// <summary>The lesson's copy of <paramref name="url"/> (asked for under that URL, or redirected to it), or null.</summary>
    public StoredResource? Find(string lessonId, string url)
    {
        lock (_gate)
        {
            return Query(
                $"SELECT {Columns} FROM resources WHERE lesson = $l AND (url = $u OR final_url = $u) ORDER BY url = $u DESC LIMIT 1",
                ("$l", lessonId), ("$u", url)).FirstOrDefault();
        }
    }

    /// <summary>All of a lesson's rows.</summary>
    public IReadOnlyList<StoredResource> Resources(string lessonId)
    {
        lock (_gate)
        {
            return Query($"SELECT {Columns} FROM resources WHERE lesson = $l ORDER BY url", ("$l", lessonId));
        }
    }

    /// <summary>Removes a lesson's rows for URLs it no longer uses (their blobs go at the next eviction if unused).</summary>
    public void RemoveResourcesExcept(string lessonId, IReadOnlyCollection<string> keepUrls)
    {
        lock (_gate)
        {
            Execute(
                "DELETE FROM resources WHERE lesson = $l AND url NOT IN (SELECT value FROM json_each($keep))",
                ("$l", lessonId), ("$keep", JsonSerializer.Serialize(keepUrls.ToArray(), LessonsJsonContext.Default.StringArray)));
        }
    }

    /// <summary>Total bytes of a lesson's stored bodies.</summary>
    public long LessonBytes(string lessonId)
    {
        lock (_gate)
        {
            return Scalar("SELECT COALESCE(SUM(bytes), 0) FROM resources WHERE lesson = $l", ("$l", lessonId));
        }
    }

    /// <summary>Keeps <paramref name="report"/> as the lesson's latest.</summary>
    public void SaveReport(FetchReport report)
    {
        lock (_gate)
        {
            Execute(
                "INSERT OR REPLACE INTO reports (lesson, json) VALUES ($l, $j)",
                ("$l", report.LessonId), ("$j", JsonSerializer.Serialize(report, LessonsJsonContext.Default.FetchReport)));
        }
    }

    /// <summary>The lesson's latest report, or null when it has none.</summary>
    public FetchReport? LoadReport(string lessonId)
    {
        string? json;
        lock (_gate)
        {
            using var command = Command("SELECT json FROM reports WHERE lesson = $l", ("$l", lessonId));
            json = command.ExecuteScalar() as string;
        }

        return json is null ? null : JsonSerializer.Deserialize(json, LessonsJsonContext.Default.FetchReport);
    }

    /// <summary>
    /// Removes every lesson not in <paramref name="keepLessonIds"/> (rows and reports), then every blob no remaining
    /// row uses. A body shared with a kept lesson stays. Index first, files after: a crash in between leaves only
    /// unreferenced files, never a row without its file.
    /// </summary>
    public EvictionResult Evict(IReadOnlySet<string> keepLessonIds)
    {
        lock (_gate)
        {
            var keep = JsonSerializer.Serialize(keepLessonIds.ToArray(), LessonsJsonContext.Default.StringArray);
            using var transaction = _db.BeginTransaction();
            var resources = Execute("DELETE FROM resources WHERE lesson NOT IN (SELECT value FROM json_each($keep))", ("$keep", keep));
            Execute("DELETE FROM reports WHERE lesson NOT IN (SELECT value FROM json_each($keep))", ("$keep", keep));
            var orphans = new List<(string Hash, long Bytes)>();
            using (var command = Command("""
                SELECT hash, bytes FROM blobs
                WHERE hash NOT IN (SELECT blob FROM resources)
                  AND hash NOT IN (SELECT mirror_blob FROM resources WHERE mirror_blob IS NOT NULL)
                """))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    orphans.Add((reader.GetString(0), reader.GetInt64(1)));
                }
            }

            foreach (var (hash, _) in orphans)
            {
                Execute("DELETE FROM blobs WHERE hash = $h", ("$h", hash));
            }

            transaction.Commit();
            foreach (var (hash, _) in orphans)
            {
                File.Delete(BlobPath(hash));
            }

            return new EvictionResult(resources, orphans.Count, orphans.Sum(o => o.Bytes));
        }
    }

    private static SqliteConnection OpenIndex(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = Schema;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private List<StoredResource> Query(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<StoredResource>();
        while (reader.Read())
        {
            rows.Add(new StoredResource(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt32(5), reader.GetInt64(6), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)), reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)),
                reader.IsDBNull(11) ? null : reader.GetString(11), reader.IsDBNull(12) ? null : reader.GetString(12)));
        }

        return rows;
    }

    private long Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return Convert.ToInt64(command.ExecuteScalar());
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
