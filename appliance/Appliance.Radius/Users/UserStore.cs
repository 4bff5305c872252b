using System.Security.Cryptography;
using Appliance.Core.Events;
using Microsoft.Data.Sqlite;

namespace Appliance.Radius.Users;

/// <summary>
/// The appliance's users (DATA_DIR/users.db): staff, pupils and sponsored guests, their slow password hash for PAP and
/// TTLS-PAP, their NT hash for MSCHAPv2 (sealed, see <see cref="NtHashVault"/>), and their failure count for the
/// lockout. RADIUS reads it per login with one primary-key SELECT; the command line and the web UI change it, and
/// every change is recorded in the audit log (never a password or a hash). One connection behind a lock; the
/// password hashing runs outside the lock so that slow checks do not queue behind each other.
/// </summary>
public sealed partial class UserStore : IUserDirectory, IDisposable
{
    public const string FileName = "users.db";

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();
    private readonly IAuditSink _audit;
    private readonly TimeProvider _time;
    private readonly Pbkdf2Password.Hash _decoy;
    private NtHashVault? _vault;
    private int _auditGaps;

    private UserStore(SqliteConnection connection, string path, string dataDir, NtHashVault? vault, IAuditSink audit, UserStoreOptions options, TimeProvider time)
    {
        _connection = connection;
        Path = path;
        KeyPath = NtHashVault.KeyPathIn(dataDir);
        _vault = vault;
        _audit = audit;
        Options = options;
        _time = time;
        _decoy = Pbkdf2Password.Decoy(options.Pbkdf2Iterations);
    }

    public string Path { get; }

    /// <summary>Where the NT-hash key is kept (DATA_DIR/keys/users.key): back it up with users.db, store it apart from copies of it.</summary>
    public string KeyPath { get; }

    public UserStoreOptions Options { get; }

    /// <summary>Changes made whose audit entry could not be stored (a full disk); the caller reports them.</summary>
    public int AuditGaps => Volatile.Read(ref _auditGaps);

    /// <summary>For tests that simulate a full disk.</summary>
    internal SqliteConnection Connection => _connection;

    /// <summary>Opens (or creates) DATA_DIR/users.db and checks that the NT-hash key, if hashes are stored, opens them.</summary>
    /// <exception cref="UserStoreException">The database is corrupt or foreign, or the key is missing or wrong; the message names the file.</exception>
    public static UserStore Open(string dataDir, IAuditSink audit, UserStoreOptions? options = null, TimeProvider? time = null)
    {
        Directory.CreateDirectory(dataDir);
        var path = System.IO.Path.Combine(dataDir, FileName);
        var connection = UserDatabase.Open(path);
        try
        {
            var keyPath = NtHashVault.KeyPathIn(dataDir);
            var vault = NtHashVault.Load(keyPath);
            CheckKey(connection, path, keyPath, vault);
            return new UserStore(connection, path, dataDir, vault, audit, options ?? new UserStoreOptions(), time ?? TimeProvider.System);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public CredentialCheck CheckPassword(string userName, ReadOnlySpan<byte> password)
    {
        var (outcome, user) = Find(userName);
        if (outcome is { } refused)
        {
            // Every refusal costs what a password check costs, so the reply's timing does not tell whether a name
            // exists, is disabled, has expired or is locked out (a wrong password for a real account also writes its
            // failure count: that difference remains, docs/radius.md).
            Pbkdf2Password.Verify(password, _decoy);
            return new CredentialCheck(refused, null);
        }

        var accepted = Pbkdf2Password.Verify(password, user!.PasswordHash);
        if (accepted && user.PasswordHash.Iterations < Options.Pbkdf2Iterations)
        {
            Rehash(user.Record.Name, password);
        }

        return Conclude(user, accepted);
    }

    public CredentialCheck CheckNtHash(string userName, NtHashCheck check)
    {
        var (outcome, user) = Find(userName);
        if (outcome is { } refused)
        {
            return new CredentialCheck(refused, null);
        }

        if (user!.SealedNtHash is not { } sealedHash)
        {
            return new CredentialCheck(CredentialOutcome.NoNtHash, null);
        }

        Span<byte> ntHash = stackalloc byte[Protocols.Radius.Md4.HashSize];
        try
        {
            var vault = Vault(create: false)
                ?? throw new UserStoreException($"NT-hash key {KeyPath}: is missing; the NT hashes in {Path} cannot be opened without it");
            if (!vault.TryOpen(sealedHash, user.Record.Name, ntHash))
            {
                throw new UserStoreException($"NT-hash key {KeyPath}: does not open {user.Record.Name}'s NT hash in {Path} (a wrong key file, or the row was altered)");
            }

            return Conclude(user, check(ntHash));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ntHash);
        }
    }

    public string? GroupOf(string userName)
    {
        if (!UserNames.TryCanonicalize(userName, out var name, out _))
        {
            return null;
        }

        var user = Load(name);
        return user is { Record.Enabled: true } && !IsExpired(user.Record, Now) ? user.Record.Group : null;
    }

    public void Dispose() => _connection.Dispose();

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static bool IsExpired(UserRecord user, long now) => user.ExpiresAt is { } end && end.ToUnixTimeMilliseconds() <= now;

    // The refusals that do not need the password, in the order a technician would want to read them in a log.
    private (CredentialOutcome? Refused, StoredUser? User) Find(string userName)
    {
        if (!UserNames.TryCanonicalize(userName, out var name, out _) || Load(name) is not { } user)
        {
            return (CredentialOutcome.UnknownUser, null);
        }

        var now = Now;
        return !user.Record.Enabled ? (CredentialOutcome.Disabled, user)
            : IsExpired(user.Record, now) ? (CredentialOutcome.Expired, user)
            : user.Lockout.IsLocked(now) ? (CredentialOutcome.LockedOut, user)
            : (null, user);
    }

    private CredentialCheck Conclude(StoredUser user, bool accepted)
    {
        if (accepted)
        {
            if (!user.Lockout.IsClear)
            {
                WriteLockout(user.Record.Name, _ => Lockout.Clear);
            }

            return new CredentialCheck(CredentialOutcome.Accepted, user.Record.ToDirectoryUser());
        }

        var now = Now;
        var locked = false;
        WriteLockout(user.Record.Name, current => current.AfterFailure(now, Options.Lockout, out locked));
        if (locked)
        {
            Audit("radius", "user.locked-out", user.Record.Name, AuditDetail.Of(("failures", Options.Lockout.MaxFailures),
                ("until", DateTimeOffset.FromUnixTimeMilliseconds(now).Add(Options.Lockout.Duration).ToString("u", System.Globalization.CultureInfo.InvariantCulture))));
        }

        return new CredentialCheck(CredentialOutcome.WrongPassword, null);
    }

    private StoredUser? Load(string name)
    {
        lock (_lock)
        {
            return Guard($"reading {name}", () =>
            {
                using var command = _connection.CreateCommand();
                command.CommandText = $"SELECT {UserDatabase.Columns} FROM users WHERE name = $name";
                command.Parameters.AddWithValue("$name", name);
                using var reader = command.ExecuteReader();
                return reader.Read() ? UserDatabase.Read(reader) : null;
            });
        }
    }

    // The state is re-read under the lock: two failures checked at once must both count.
    private void WriteLockout(string name, Func<Lockout, Lockout> change)
    {
        lock (_lock)
        {
            Guard($"recording a login of {name}", () =>
            {
                using var transaction = _connection.BeginTransaction(deferred: false);
                using var read = _connection.CreateCommand();
                read.Transaction = transaction;
                read.CommandText = "SELECT failures, first_failure_at, locked_until FROM users WHERE name = $name";
                read.Parameters.AddWithValue("$name", name);
                using (var reader = read.ExecuteReader())
                {
                    if (!reader.Read())
                    {
                        return 0;
                    }

                    var current = new Lockout(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2));
                    var next = change(current);
                    if (next == current)
                    {
                        return 0;
                    }

                    using var write = _connection.CreateCommand();
                    write.Transaction = transaction;
                    write.CommandText = "UPDATE users SET failures = $f, first_failure_at = $since, locked_until = $until WHERE name = $name";
                    write.Parameters.AddWithValue("$f", next.Failures);
                    write.Parameters.AddWithValue("$since", next.FirstFailureAt);
                    write.Parameters.AddWithValue("$until", next.LockedUntil);
                    write.Parameters.AddWithValue("$name", name);
                    reader.Close();
                    write.ExecuteNonQuery();
                }

                transaction.Commit();
                return 0;
            });
        }
    }

    // A hash made with fewer iterations than configured is replaced at the first successful login (one write, once).
    private void Rehash(string name, ReadOnlySpan<byte> password)
    {
        var hash = Pbkdf2Password.Create(password, Options.Pbkdf2Iterations);
        lock (_lock)
        {
            Guard($"re-hashing {name}'s password", () => Execute("UPDATE users SET pw_algorithm = $alg, pw_iterations = $it, pw_salt = $salt, pw_hash = $hash WHERE name = $name",
                ("$alg", hash.Algorithm), ("$it", hash.Iterations), ("$salt", hash.Salt), ("$hash", hash.Value), ("$name", name)));
        }
    }

    // The key is read when first needed (the command line may have created it after this process opened the store).
    private NtHashVault? Vault(bool create)
    {
        lock (_lock)
        {
            return _vault ??= create ? NtHashVault.LoadOrCreate(KeyPath) : NtHashVault.Load(KeyPath);
        }
    }

    private static void CheckKey(SqliteConnection connection, string path, string keyPath, NtHashVault? vault)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, nt_hash, (SELECT count(*) FROM users WHERE nt_hash IS NOT NULL) FROM users WHERE nt_hash IS NOT NULL LIMIT 1";
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return;
        }

        if (vault is null)
        {
            throw new UserStoreException($"NT-hash key {keyPath}: is missing, but {path} holds {reader.GetInt64(2)} sealed NT hashes; restore the key from the "
                + "backup taken with users.db (a new key cannot open them). It is never made anew while hashes need it.");
        }

        Span<byte> probe = stackalloc byte[Protocols.Radius.Md4.HashSize];
        var opened = vault.TryOpen((byte[])reader[1], reader.GetString(0), probe);
        CryptographicOperations.ZeroMemory(probe);
        if (!opened)
        {
            throw new UserStoreException($"NT-hash key {keyPath}: does not open the NT hashes in {path}; it is not the key they were sealed with");
        }
    }
}
