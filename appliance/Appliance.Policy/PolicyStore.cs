using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Core.Policy;
using Microsoft.Data.Sqlite;

namespace Appliance.Policy;

/// <summary>One stored version of the policy and who made it, when and why.</summary>
public sealed record PolicyVersion(long Version, DateTimeOffset At, string Actor, string Reason, string Summary, string Sha256, PolicyDocument Document);

/// <summary>One line of the policy change audit: applied versions and refused attempts alike.</summary>
public sealed record PolicyAuditEntry(long Id, DateTimeOffset At, string Actor, string Action, long? Version, string Reason, string Summary);

/// <summary>The policy store could not be opened, read or written; the message names the file and the problem.</summary>
public sealed class PolicyStoreException : Exception
{
    public PolicyStoreException()
    {
    }

    public PolicyStoreException(string message)
        : base(message)
    {
    }

    public PolicyStoreException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// The policy in SQLite (DESIGN §5 "Storage"): every version ever applied, as its JSON document, and an audit of
/// every change and every refused attempt (who, what, why). Nothing is updated in place, so an earlier version
/// can always be looked at or restored. WAL with <c>synchronous=FULL</c>: an acknowledged change survives a
/// power cut. Each write is one transaction: a full disk or a crash leaves the previous version intact.
/// </summary>
public sealed class PolicyStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    private PolicyStore(SqliteConnection connection, string path, TimeProvider time)
    {
        _connection = connection;
        _time = time;
        Path = path;
    }

    public string Path { get; }

    /// <summary>For tests that simulate a full disk (<c>PRAGMA max_page_count</c>).</summary>
    internal SqliteConnection Connection => _connection;

    /// <summary>Held around every use of <see cref="Connection"/>, by <see cref="PolicyProposals"/> too (one connection, one thread at a time).</summary>
    internal Lock Gate => _lock;

    /// <exception cref="PolicyStoreException">The file cannot be created, is not a database, or is damaged.</exception>
    public static PolicyStore Open(string path, TimeProvider? time = null)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute(connection, """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS policy_versions (
                    version   INTEGER PRIMARY KEY,
                    at        TEXT    NOT NULL,
                    actor     TEXT    NOT NULL,
                    reason    TEXT    NOT NULL,
                    summary   TEXT    NOT NULL,
                    sha256    TEXT    NOT NULL,
                    document  TEXT    NOT NULL
                );
                CREATE TABLE IF NOT EXISTS policy_audit (
                    id        INTEGER PRIMARY KEY AUTOINCREMENT,
                    at        TEXT    NOT NULL,
                    actor     TEXT    NOT NULL,
                    action    TEXT    NOT NULL,
                    version   INTEGER,
                    reason    TEXT    NOT NULL,
                    summary   TEXT    NOT NULL
                );
                PRAGMA quick_check;
                """);
            return new PolicyStore(connection, path, time ?? TimeProvider.System);
        }
        catch (Exception ex) when (ex is SqliteException or PolicyStoreException)
        {
            connection.Dispose();
            throw new PolicyStoreException($"policy store {path}: {ex.Message}", ex);
        }
    }

    /// <summary>The newest version, or null when the box has none yet.</summary>
    /// <exception cref="PolicyStoreException">The stored document cannot be read.</exception>
    public PolicyVersion? Current()
    {
        lock (_lock)
        {
            return ReadVersions("ORDER BY version DESC LIMIT 1").FirstOrDefault();
        }
    }

    /// <summary>The newest version number (0 for none): a cheap check for changes made by another process.</summary>
    public long LatestVersion()
    {
        lock (_lock)
        {
            try
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "SELECT IFNULL(MAX(version), 0) FROM policy_versions";
                return (long)command.ExecuteScalar()!;
            }
            catch (SqliteException ex)
            {
                throw new PolicyStoreException($"policy store {Path}: {ex.Message}", ex);
            }
        }
    }

    public PolicyVersion? Get(long version)
    {
        lock (_lock)
        {
            return ReadVersions($"WHERE version = {version.ToString(CultureInfo.InvariantCulture)}").FirstOrDefault();
        }
    }

    /// <summary>Stores <paramref name="document"/> as the next version, with its audit line, in one transaction.</summary>
    /// <exception cref="PolicyStoreException">The write failed (full disk, read-only file…); nothing was stored.</exception>
    public PolicyVersion Append(PolicyDocument document, string actor, string reason, string summary) => Append(document, actor, reason, summary, null)!;

    /// <summary>
    /// As <see cref="Append(PolicyDocument, string, string, string)"/>, but only while the newest stored version is
    /// <paramref name="basedOn"/> (when given), checked by the same statement that inserts: another process (the CLI)
    /// that stored a version meanwhile makes this return null, and nothing is stored.
    /// </summary>
    /// <exception cref="PolicyStoreException">The write failed; nothing was stored.</exception>
    public PolicyVersion? Append(PolicyDocument document, string actor, string reason, string summary, long? basedOn)
    {
        var json = JsonSerializer.Serialize(document, PolicyJsonContext.Default.PolicyDocument);
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
        var at = _time.GetUtcNow();
        lock (_lock)
        {
            try
            {
                using var transaction = _connection.BeginTransaction();
                using var command = _connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO policy_versions (version, at, actor, reason, summary, sha256, document)
                    SELECT IFNULL(MAX(version), 0) + 1, $at, $actor, $reason, $summary, $sha, $doc FROM policy_versions
                    HAVING $basedOn IS NULL OR IFNULL(MAX(version), 0) = $basedOn
                    RETURNING version;
                    """;
                command.Parameters.AddWithValue("$basedOn", basedOn is { } b ? b : DBNull.Value);
                command.Parameters.AddWithValue("$at", at.ToString("O", CultureInfo.InvariantCulture));
                command.Parameters.AddWithValue("$actor", actor);
                command.Parameters.AddWithValue("$reason", reason);
                command.Parameters.AddWithValue("$summary", summary);
                command.Parameters.AddWithValue("$sha", sha);
                command.Parameters.AddWithValue("$doc", json);
                if (command.ExecuteScalar() is not long version)
                {
                    return null;   // the transaction rolls back on dispose: nothing stored
                }

                Audit(transaction, at, actor, "applied", version, reason, summary);
                transaction.Commit();
                return new PolicyVersion(version, at, actor, reason, summary, sha, document);
            }
            catch (SqliteException ex)
            {
                throw new PolicyStoreException($"policy store {Path}: the change was not saved: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Records a refused change (invalid document, missing reason) so the attempt is on the record too.</summary>
    public void RecordRefusal(string actor, string reason, string problem)
    {
        lock (_lock)
        {
            try
            {
                using var transaction = _connection.BeginTransaction();
                Audit(transaction, _time.GetUtcNow(), actor, "refused", null, reason, problem);
                transaction.Commit();
            }
            catch (SqliteException ex)
            {
                throw new PolicyStoreException($"policy store {Path}: could not record a refused change: {ex.Message}", ex);
            }
        }
    }

    public IReadOnlyList<PolicyVersion> History(int limit = 50)
    {
        lock (_lock)
        {
            return ReadVersions($"ORDER BY version DESC LIMIT {limit.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    public IReadOnlyList<PolicyAuditEntry> AuditLog(int limit = 200)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, at, actor, action, version, reason, summary FROM policy_audit ORDER BY id DESC LIMIT $limit";
            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            var entries = new List<PolicyAuditEntry>();
            while (reader.Read())
            {
                entries.Add(new PolicyAuditEntry(reader.GetInt64(0), DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
                    reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.GetString(5), reader.GetString(6)));
            }

            return entries;
        }
    }

    public void Dispose() => _connection.Dispose();

    private void Audit(SqliteTransaction transaction, DateTimeOffset at, string actor, string action, long? version, string reason, string summary)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO policy_audit (at, actor, action, version, reason, summary) VALUES ($at, $actor, $action, $version, $reason, $summary)";
        command.Parameters.AddWithValue("$at", at.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$actor", actor);
        command.Parameters.AddWithValue("$action", action);
        command.Parameters.AddWithValue("$version", (object?)version ?? DBNull.Value);
        command.Parameters.AddWithValue("$reason", reason);
        command.Parameters.AddWithValue("$summary", summary);
        command.ExecuteNonQuery();
    }

    private List<PolicyVersion> ReadVersions(string tail)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT version, at, actor, reason, summary, sha256, document FROM policy_versions " + tail;
        using var reader = command.ExecuteReader();
        var versions = new List<PolicyVersion>();
        while (reader.Read())
        {
            var version = reader.GetInt64(0);
            PolicyDocument document;
            try
            {
                document = JsonSerializer.Deserialize(reader.GetString(6), PolicyJsonContext.Default.PolicyDocument)
                    ?? throw new JsonException("the document is null");
            }
            catch (JsonException ex)
            {
                throw new PolicyStoreException($"policy store {Path}: version {version} cannot be read: {ex.Message}", ex);
            }

            versions.Add(new PolicyVersion(version, DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture), reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetString(5), document));
        }

        return versions;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        do
        {
            while (reader.Read())
            {
                // PRAGMA quick_check returns "ok" or the damage it found.
                if (reader.FieldCount == 1 && reader.GetName(0) == "quick_check" && reader.GetString(0) != "ok")
                {
                    throw new PolicyStoreException($"the database is damaged: {reader.GetString(0)}");
                }
            }
        }
        while (reader.NextResult());
    }
}
