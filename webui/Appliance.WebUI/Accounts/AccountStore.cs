using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Appliance.WebUI.Accounts;

/// <summary>A web UI account as a page needs it.</summary>
public sealed record WebAccount(string Name, WebRole Role);

/// <summary>An account as the technician's Accounts page lists it.</summary>
public sealed record AccountDetails(string Name, WebRole Role, bool Enabled, bool HasSecondFactor);

/// <summary>How a sign-in went; the page says the same thing for every refusal but <see cref="LockedOut"/>.</summary>
public enum SignInOutcome
{
    Accepted,
    Refused,
    LockedOut,

    /// <summary>The password is right and the account has a second factor: ask for the code.</summary>
    CodeNeeded,
}

/// <summary>
/// The web UI's own accounts in <c>DATA_DIR/webui.db</c> (not the Wi-Fi users: staff who run the box). There are no
/// default credentials: while no account exists, a one-time setup code (printed to the console and journal at start)
/// creates the first technician. Passwords are PBKDF2-HMAC-SHA256 with a per-account salt; 5 failures within 15 minutes
/// from one address lock that address out of the account for 15 minutes (50 from all addresses lock it everywhere);
/// an optional TOTP second factor (RFC 6238). Each account has a security stamp that sessions carry: a password,
/// role, second-factor or enabled change makes a new one, which ends the account's other sessions. Thread-safe.
/// </summary>
public sealed partial class AccountStore : IDisposable
{
    public const string FileName = "webui.db";
    public const int MinPasswordLength = 12;
    public const int MaxPasswordLength = 1024;
    private const int Iterations = 100_000;

    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    private AccountStore(SqliteConnection connection, TimeProvider time)
    {
        _connection = connection;
        _time = time;
    }

    /// <exception cref="InvalidOperationException">The file cannot be opened or is not a web UI account store.</exception>
    public static AccountStore Open(string dataDir, TimeProvider? time = null)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path) && !OperatingSystem.IsWindows())
        {
            // Password hashes: readable by the appliance's user only (SQLite gives its -wal and -shm the same mode).
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS accounts (
                    name         TEXT PRIMARY KEY,
                    role         TEXT NOT NULL,
                    salt         BLOB NOT NULL,
                    iterations   INTEGER NOT NULL,
                    hash         BLOB NOT NULL,
                    failures     INTEGER NOT NULL DEFAULT 0,
                    first_failure INTEGER NOT NULL DEFAULT 0,
                    locked_until INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
                -- Failed sign-ins per (account, address): one address guessing locks that address out of that account,
                -- not the account's owner everywhere (anyone who knows a name could otherwise keep the DSL locked out).
                CREATE TABLE IF NOT EXISTS sign_in_failures (
                    name          TEXT NOT NULL,
                    address       TEXT NOT NULL,
                    failures      INTEGER NOT NULL,
                    first_failure INTEGER NOT NULL,
                    locked_until  INTEGER NOT NULL,
                    PRIMARY KEY (name, address)
                );
                """;
            command.ExecuteNonQuery();
            AddColumns(connection);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new InvalidOperationException($"web UI accounts {path}: {ex.Message}", ex);
        }

        return new AccountStore(connection, time ?? TimeProvider.System);
    }

    public bool HasAccounts
    {
        get
        {
            lock (_lock)
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "SELECT EXISTS (SELECT 1 FROM accounts)";
                return (long)command.ExecuteScalar()! != 0;
            }
        }
    }

    /// <summary>
    /// Whether the waiting setup code was made by <c>appliance setup-code</c> (the image's first boot shows it on the
    /// console). The service keeps such a code when it starts, rather than replacing it with one it prints.
    /// </summary>
    public bool HasConsoleSetupCode
    {
        get
        {
            lock (_lock)
            {
                using var command = _connection.CreateCommand();
                // The origin row is written and removed with the code (NewSetupCode, CompleteSetup): it implies a code.
                command.CommandText = "SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'setup_code_origin')";
                return (long)command.ExecuteScalar()! != 0 && !HasAccounts;
            }
        }
    }

    /// <summary>A fresh one-time setup code (only its hash is kept); null once an account exists.</summary>
    /// <param name="fromConsole">Made by <c>appliance setup-code</c>: kept when the service starts (<see cref="HasConsoleSetupCode"/>).</param>
    public string? NewSetupCode(bool fromConsole = false)
    {
        if (HasAccounts)
        {
            return null;
        }

        // 12 characters from an alphabet without look-alikes: about 60 bits, typed once from the console.
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var code = string.Create(14, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = i is 4 or 9 ? '-' : alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = fromConsole
                ? "INSERT OR REPLACE INTO meta (key, value) VALUES ('setup_code', $hash), ('setup_code_origin', 'console')"
                : "INSERT OR REPLACE INTO meta (key, value) VALUES ('setup_code', $hash); DELETE FROM meta WHERE key = 'setup_code_origin'";
            command.Parameters.AddWithValue("$hash", SHA256.HashData(Encoding.UTF8.GetBytes(code)));
            command.ExecuteNonQuery();
        }

        return code;
    }

    /// <summary>Creates the first technician with the setup code, which is then spent.</summary>
    /// <returns>Null on success, else what is wrong (for the page).</returns>
    public string? CompleteSetup(string code, string name, string password)
    {
        if (Problem(name, password) is { } problem)
        {
            return problem;
        }

        lock (_lock)
        {
            using var find = _connection.CreateCommand();
            find.CommandText = "SELECT value FROM meta WHERE key = 'setup_code'";
            if (find.ExecuteScalar() is not byte[] stored || HasAccounts
                || !CryptographicOperations.FixedTimeEquals(stored, SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim().ToUpperInvariant()))))
            {
                return "That setup code is not the one the appliance printed (or it has been used).";
            }

            using var transaction = _connection.BeginTransaction();
            Insert(name, WebRole.Technician, password, transaction);
            using var spend = _connection.CreateCommand();
            spend.Transaction = transaction;
            spend.CommandText = "DELETE FROM meta WHERE key IN ('setup_code', 'setup_code_origin')";
            spend.ExecuteNonQuery();
            transaction.Commit();
            return null;
        }
    }

    /// <summary>Adds an account (a technician does, later through the Users page).</summary>
    /// <returns>Null on success, else what is wrong.</returns>
    public string? Add(string name, WebRole role, string password)
    {
        if (Problem(name, password) is { } problem)
        {
            return problem;
        }

        lock (_lock)
        {
            try
            {
                Insert(name, role, password, null);
                return null;
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)   // SQLITE_CONSTRAINT: the name is taken
            {
                return $"There is already an account called {name}.";
            }
        }
    }

    /// <summary>Every account, by name (the technician's Accounts page).</summary>
    public IReadOnlyList<AccountDetails> List()
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT name, role, enabled, totp_secret IS NOT NULL FROM accounts ORDER BY name";
            using var reader = command.ExecuteReader();
            var accounts = new List<AccountDetails>();
            while (reader.Read())
            {
                accounts.Add(new AccountDetails(reader.GetString(0), Enum.Parse<WebRole>(reader.GetString(1)), reader.GetInt64(2) != 0, reader.GetInt64(3) != 0));
            }

            return accounts;
        }
    }

    private void Insert(string name, WebRole role, string password, SqliteTransaction? transaction)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO accounts (name, role, salt, iterations, hash, stamp) VALUES ($name, $role, $salt, $it, $hash, $stamp)";
        command.Parameters.AddWithValue("$stamp", NewStamp());
        command.Parameters.AddWithValue("$name", name.Trim().ToLowerInvariant());
        command.Parameters.AddWithValue("$role", role.ToString());
        command.Parameters.AddWithValue("$salt", salt);
        command.Parameters.AddWithValue("$it", Iterations);
        command.Parameters.AddWithValue("$hash", Hash(password, salt, Iterations));
        command.ExecuteNonQuery();
    }

    private static byte[] Hash(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);

    private static string? Problem(string name, string password)
    {
        name = name.Trim();
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            return "A name is 1–64 letters, digits, '.', '-' or '_'.";
        }

        return password.Length < MinPasswordLength ? $"A password has at least {MinPasswordLength} characters."
            : password.Length > MaxPasswordLength ? $"A password has at most {MaxPasswordLength} characters." : null;
    }

    public void Dispose() => _connection.Dispose();
}
