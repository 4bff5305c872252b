using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Appliance.WebUI.Accounts;

/// <summary>An API token as the Accounts page lists it (never the token itself: it is shown once, when made).</summary>
public sealed record ApiTokenInfo(long Id, string Name, WebRole Role, string CreatedBy, DateTimeOffset Created, DateTimeOffset Expires, DateTimeOffset? Revoked,
    DateTimeOffset? LastUsed);

/// <summary>
/// Bearer tokens for scripts that call <c>/api</c> (the LA's tooling, a school's MIS sync): each acts as one role, made
/// by a technician, shown once, expiring (at most a year), revocable. Only the SHA-256 of a token is stored: a token is
/// 256 random bits, so a fast hash is enough (there is nothing to guess), and the file does not hold usable tokens.
/// Kept in the web UI's own file beside the accounts.
/// </summary>
public sealed class ApiTokenStore : IDisposable
{
    public const string Prefix = "sgw_";
    public const int MaxDays = 366;

    /// <summary>The roles a token may have: the technician's own, and the governors' read-only reports.</summary>
    public static readonly IReadOnlyList<WebRole> Grantable = [WebRole.Technician, WebRole.Governor];
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    private ApiTokenStore(SqliteConnection connection, TimeProvider time)
    {
        _connection = connection;
        _time = time;
    }

    /// <summary>Opens the tokens table in <c>webui.db</c> (open the <see cref="AccountStore"/> first: it makes the file 0600).</summary>
    public static ApiTokenStore Open(string dataDir, TimeProvider? time = null)
    {
        var path = Path.Combine(dataDir, AccountStore.FileName);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA busy_timeout = 5000;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS api_tokens (
                    id         INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    role       TEXT NOT NULL,
                    hash       BLOB NOT NULL UNIQUE,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    revoked_at INTEGER,
                    used_at    INTEGER
                );
                """;
            command.ExecuteNonQuery();
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new InvalidOperationException($"web UI API tokens {path}: {ex.Message}", ex);
        }

        return new ApiTokenStore(connection, time ?? TimeProvider.System);
    }

    /// <summary>Makes a token acting as <paramref name="role"/> for <paramref name="days"/> days.</summary>
    /// <returns>The token (to show once) or what is wrong.</returns>
    public (string? Token, string? Problem) Create(string name, WebRole role, int days, string createdBy)
    {
        name = name.Trim();
        if (name.Length is 0 or > 64 || name.Any(char.IsControl))
        {
            return (null, "A token's name (what it is for) is 1–64 characters.");
        }

        if (!Grantable.Contains(role))
        {
            return (null, $"A token can act as {string.Join(" or ", Grantable.Select(WebRoles.Name))} only: a DSL's or head's powers (incidents, approving policy) belong to those people, not to a script a technician made.");
        }

        if (days is < 1 or > MaxDays)
        {
            return (null, $"A token lasts 1 to {MaxDays} days.");
        }

        var token = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO api_tokens (name, role, hash, created_by, created_at, expires_at) VALUES ($n, $r, $h, $by, $at, $exp)
                """;
            command.Parameters.AddWithValue("$n", name);
            command.Parameters.AddWithValue("$r", role.ToString());
            command.Parameters.AddWithValue("$h", Digest(token));
            command.Parameters.AddWithValue("$by", createdBy);
            command.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$exp", now.AddDays(days).ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }

        return (token, null);
    }

    /// <summary>The token's name and role if it is ours, unexpired and not revoked; its last use is recorded (to the minute).</summary>
    public (string Name, WebRole Role)? Authenticate(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 100)
        {
            return null;
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                UPDATE api_tokens SET used_at = $now WHERE hash = $h AND revoked_at IS NULL AND expires_at > $now RETURNING name, role
                """;
            command.Parameters.AddWithValue("$h", Digest(token));
            command.Parameters.AddWithValue("$now", now - (now % 60_000));
            using var reader = command.ExecuteReader();
            return reader.Read() ? (reader.GetString(0), Enum.Parse<WebRole>(reader.GetString(1))) : null;
        }
    }

    public bool Revoke(long id)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE api_tokens SET revoked_at = $now WHERE id = $id AND revoked_at IS NULL";
            command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$id", id);
            return command.ExecuteNonQuery() == 1;
        }
    }

    public IReadOnlyList<ApiTokenInfo> List()
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, name, role, created_by, created_at, expires_at, revoked_at, used_at FROM api_tokens ORDER BY id DESC";
            using var reader = command.ExecuteReader();
            var tokens = new List<ApiTokenInfo>();
            while (reader.Read())
            {
                tokens.Add(new ApiTokenInfo(reader.GetInt64(0), reader.GetString(1), Enum.Parse<WebRole>(reader.GetString(2)), reader.GetString(3),
                    At(reader.GetInt64(4)), At(reader.GetInt64(5)), reader.IsDBNull(6) ? null : At(reader.GetInt64(6)), reader.IsDBNull(7) ? null : At(reader.GetInt64(7))));
            }

            return tokens;
        }
    }

    public void Dispose() => _connection.Dispose();

    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
