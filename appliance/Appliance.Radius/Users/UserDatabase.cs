using Microsoft.Data.Sqlite;

namespace Appliance.Radius.Users;

/// <summary>
/// users.db: one row per user, keyed by the canonical name (the per-login read is one primary-key lookup). WAL with
/// synchronous=FULL: writes are rare (a change by the technician, a failed login) and each must survive a power cut;
/// every change is one transaction, so a full disk loses nothing already stored. The file is marked with an
/// application id so that another program's database is recognised and refused, not altered.
/// </summary>
internal static class UserDatabase
{
    /// <summary>'USRS': PRAGMA application_id of the appliance's user store.</summary>
    public const int ApplicationId = 0x55535253;
    public const int SchemaVersion = 1;

    public const string Columns = "name, kind, grp, year_group, first_name, last_name, sponsor, reason, expires_at, enabled, "
        + "pw_algorithm, pw_iterations, pw_salt, pw_hash, nt_hash, failures, first_failure_at, locked_until, created_at, updated_at";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS users (
            name             TEXT    PRIMARY KEY,  -- canonical: lower case, RFC 7542
            kind             TEXT    NOT NULL CHECK (kind IN ('staff', 'pupil', 'guest')),
            grp              TEXT    NOT NULL,     -- the policy group
            year_group       INTEGER,
            first_name       TEXT,
            last_name        TEXT,
            sponsor          TEXT,                 -- guests: who vouches for them
            reason           TEXT,
            expires_at       INTEGER,              -- guests: Unix ms, UTC
            enabled          INTEGER NOT NULL,
            pw_algorithm     TEXT    NOT NULL,     -- 'pbkdf2-sha256'
            pw_iterations    INTEGER NOT NULL,
            pw_salt          BLOB    NOT NULL,
            pw_hash          BLOB    NOT NULL,
            nt_hash          BLOB,                 -- AES-GCM sealed (keys/users.key); NULL: PAP only
            failures         INTEGER NOT NULL DEFAULT 0,
            first_failure_at INTEGER NOT NULL DEFAULT 0,
            locked_until     INTEGER NOT NULL DEFAULT 0,
            created_at       INTEGER NOT NULL,
            updated_at       INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS users_by_group ON users (grp, name);
        CREATE INDEX IF NOT EXISTS users_by_kind ON users (kind, name);
        CREATE INDEX IF NOT EXISTS guests_by_expiry ON users (expires_at) WHERE expires_at IS NOT NULL;
        """;

    /// <exception cref="UserStoreException">The file cannot be opened, is not a database, or is not a user store.</exception>
    public static SqliteConnection Open(string path)
    {
        CreateOwnerOnly(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = false,
            DefaultTimeout = 10,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 10000;");
            var applicationId = Scalar(connection, "PRAGMA application_id;");
            var tables = Scalar(connection, "SELECT count(*) FROM sqlite_master;");
            if (applicationId != ApplicationId && (applicationId != 0 || tables != 0))
            {
                throw new UserStoreException($"users database {path}: is not the appliance's user store (another program's database?); it was left untouched");
            }

            var version = Scalar(connection, "PRAGMA user_version;");
            if (version > SchemaVersion)
            {
                throw new UserStoreException($"users database {path}: schema {version} is newer than this version of the appliance understands ({SchemaVersion})");
            }

            Execute(connection, $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                BEGIN IMMEDIATE;
                {Schema}
                PRAGMA application_id = {ApplicationId};
                PRAGMA user_version = {SchemaVersion};
                COMMIT;
                """);
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new UserStoreException($"users database {path}: {ex.Message}", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static string KindText(UserKind kind) => UserKinds.Name(kind);

    public static UserKind ParseKind(string text) => UserKinds.TryParse(text, out var kind) ? kind : UserKind.Guest;

    public static DateTimeOffset? Time(long? unixMs) => unixMs is { } ms and not 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <summary>Reads a row selected with <see cref="Columns"/>.</summary>
    public static StoredUser Read(SqliteDataReader r)
    {
        var lockout = new Lockout(r.GetInt32(15), r.GetInt64(16), r.GetInt64(17));
        var record = new UserRecord(
            Name: r.GetString(0),
            Kind: ParseKind(r.GetString(1)),
            Group: r.GetString(2),
            YearGroup: r.IsDBNull(3) ? null : r.GetInt32(3),
            FirstName: r.IsDBNull(4) ? null : r.GetString(4),
            LastName: r.IsDBNull(5) ? null : r.GetString(5),
            Sponsor: r.IsDBNull(6) ? null : r.GetString(6),
            Reason: r.IsDBNull(7) ? null : r.GetString(7),
            ExpiresAt: r.IsDBNull(8) ? null : Time(r.GetInt64(8)),
            Enabled: r.GetInt64(9) != 0,
            HasNtHash: !r.IsDBNull(14),
            CreatedAt: DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(18)),
            UpdatedAt: DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(19)),
            LockedUntil: Time(lockout.LockedUntil));
        var hash = new Pbkdf2Password.Hash(r.GetString(10), r.GetInt32(11), (byte[])r[12], (byte[])r[13]);
        return new StoredUser(record, hash, r.IsDBNull(14) ? null : (byte[])r[14], lockout);
    }

    // It holds password hashes: readable by the appliance's user only. SQLite gives its -wal and -shm files the
    // database file's mode, and takes an empty file for a new database.
    private static void CreateOwnerOnly(string path)
    {
        try
        {
            PrivateFile.CreateNew(path).Dispose();
        }
        catch (IOException) when (File.Exists(path))
        {
            // It exists already: keep it, whatever it holds (Open checks that).
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserStoreException($"users database {path}: cannot be created: {ex.Message}", ex);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>A row as the store works with it: what the UI sees, the slow hash, the sealed NT hash and the failure count.</summary>
internal sealed record StoredUser(UserRecord Record, Pbkdf2Password.Hash PasswordHash, byte[]? SealedNtHash, Lockout Lockout);
