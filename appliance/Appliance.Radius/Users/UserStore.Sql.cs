using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Appliance.Radius.Users;

/// <summary>The store's SQL plumbing: commands, the row insert, and turning SQLite's failures into one clear error.</summary>
public sealed partial class UserStore
{
    /// <summary>What is stored for a password: the slow hash, and the sealed NT hash unless the user is PAP only.</summary>
    internal sealed record StoredSecrets(Pbkdf2Password.Hash Hash, byte[]? SealedNtHash);

    /// <summary>Hashes a password for storing (the slow part: call outside the lock).</summary>
    internal StoredSecrets HashSecrets(string name, string password, bool storeNtHash)
    {
        var hash = Pbkdf2Password.Create(password, Options.Pbkdf2Iterations);
        if (!storeNtHash)
        {
            return new StoredSecrets(hash, null);
        }

        var ntHash = NtHashVault.NtHashOf(password);
        try
        {
            return new StoredSecrets(hash, Vault(create: true)!.Seal(ntHash, name));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ntHash);
        }
    }

    private int Insert(NewUser user, StoredSecrets secrets, long now, SqliteTransaction? transaction)
    {
        using var command = Command($"INSERT INTO users ({UserDatabase.Columns}) VALUES ($name, $kind, $grp, $year, $first, $last, $sponsor, $reason, $expires, 1, "
            + "$alg, $it, $salt, $hash, $nt, 0, 0, 0, $now, $now)",
            [("$name", user.Name), ("$kind", UserDatabase.KindText(user.Kind)), ("$grp", user.Group), ("$year", user.YearGroup), ("$first", user.FirstName),
             ("$last", user.LastName), ("$sponsor", user.Sponsor), ("$reason", user.Reason), ("$expires", user.ExpiresAt?.ToUnixTimeMilliseconds()),
             ("$alg", secrets.Hash.Algorithm), ("$it", secrets.Hash.Iterations), ("$salt", secrets.Hash.Salt), ("$hash", secrets.Hash.Value),
             ("$nt", secrets.SealedNtHash), ("$now", now)]);
        command.Transaction = transaction;
        return command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, (string Name, object? Value)[] args)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in args)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private int Execute(string sql, params (string Name, object? Value)[] args)
    {
        using var command = Command(sql, args);
        return command.ExecuteNonQuery();
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] args)
    {
        using var command = Command(sql, args);
        return command.ExecuteScalar();
    }

    // Every SQLite failure (a full disk, a locked or damaged file) becomes one error naming the file; the transaction
    // it happened in is rolled back, so nothing stored before is lost.
    private T Guard<T>(string what, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (SqliteException ex)
        {
            throw new UserStoreException($"users database {Path}: {what} failed: {ex.Message}", ex);
        }
    }
}
