using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Appliance.WebUI.Accounts;

public sealed partial class AccountStore
{
    /// <summary>
    /// The account's current security stamp, or null when it is disabled or gone: a session whose stamp differs is
    /// over. Read on every request of a session (one indexed row of a small file).
    /// </summary>
    public string? Stamp(string name)
    {
        lock (_lock)
        {
            return ReadCredentials(Normal(name)) is { Enabled: true } found ? found.Stamp : null;
        }
    }

    /// <summary>Enables or disables an account; either ends its sessions. The last enabled technician cannot be disabled.</summary>
    /// <returns>Null on success, else what is wrong.</returns>
    public string? SetEnabled(string name, bool enabled) => Change(Normal(name), enabled ? null : "disable", () =>
        Execute("UPDATE accounts SET enabled = $e, stamp = $s WHERE name = $name", ("$e", enabled ? 1 : 0), ("$s", NewStamp()), ("$name", Normal(name))));

    /// <summary>Gives an account another role (ending its sessions). The last enabled technician keeps theirs.</summary>
    public string? SetRole(string name, WebRole role) => Change(Normal(name), role == WebRole.Technician ? null : "change the role of", () =>
        Execute("UPDATE accounts SET role = $r, stamp = $s WHERE name = $name", ("$r", role.ToString()), ("$s", NewStamp()), ("$name", Normal(name))));

    /// <summary>Removes an account. The last enabled technician cannot be removed: nobody could run the box.</summary>
    public string? Remove(string name) => Change(Normal(name), "remove", () => Execute("DELETE FROM accounts WHERE name = $name", ("$name", Normal(name))));

    /// <summary>Sets a new password (a technician's reset, or the owner's change after <see cref="SignIn"/>); ends every session of the account.</summary>
    public string? SetPassword(string name, string password)
    {
        if (Problem(name, password) is { } problem)
        {
            return problem;
        }

        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Hash(password, salt, Iterations);   // outside the lock, as in SignIn
        return Change(Normal(name), null, () => Execute("UPDATE accounts SET salt = $salt, iterations = $it, hash = $hash, stamp = $s WHERE name = $name",
            ("$salt", salt), ("$it", Iterations), ("$hash", hash), ("$s", NewStamp()), ("$name", Normal(name))));
    }

    /// <summary>
    /// Turns on the second factor with <paramref name="secret"/> once the owner has shown, with <paramref name="code"/>,
    /// that their authenticator holds it (so a mistyped secret cannot lock them out); ends their other sessions.
    /// </summary>
    /// <returns>The new stamp (for the owner's own session), or what is wrong.</returns>
    public (string? Stamp, string? Problem) EnableSecondFactor(string name, byte[] secret, string code)
    {
        if (Totp.Match(secret, code, _time.GetUtcNow(), 0) is not { } step)
        {
            return (null, "That code does not match: check the authenticator's clock and the key you typed, and try the next code.");
        }

        var stamp = NewStamp();
        var problem = Change(Normal(name), null, () => Execute("UPDATE accounts SET totp_secret = $t, totp_last_step = $step, stamp = $s WHERE name = $name",
            ("$t", secret), ("$step", step), ("$s", stamp), ("$name", Normal(name))));
        return problem is null ? (stamp, null) : (null, problem);
    }

    /// <summary>Turns the second factor off (the owner, or a technician for someone who lost their phone); ends the account's sessions.</summary>
    public string? DisableSecondFactor(string name) => Change(Normal(name), null, () =>
        Execute("UPDATE accounts SET totp_secret = NULL, totp_last_step = 0, stamp = $s WHERE name = $name", ("$s", NewStamp()), ("$name", Normal(name))));

    // One change under the lock: the account must exist, and a change that would leave no enabled technician is refused.
    private string? Change(string name, string? dropsTechnician, Action change)
    {
        lock (_lock)
        {
            if (ReadCredentials(name) is not { } found)
            {
                return $"There is no account called {name}.";
            }

            if (dropsTechnician is not null && found is { Role: WebRole.Technician, Enabled: true } && EnabledTechnicians() <= 1)
            {
                return $"You cannot {dropsTechnician} the last technician: nobody could run the box. Add another technician first.";
            }

            change();
            return null;
        }
    }

    private long EnabledTechnicians()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM accounts WHERE role = 'Technician' AND enabled = 1";
        return (long)command.ExecuteScalar()!;
    }

    private static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    // Columns added after the first release of webui.db: added in place, existing accounts keep working.
    private static void AddColumns(SqliteConnection connection)
    {
        foreach (var (column, definition) in new[]
        {
            ("enabled", "INTEGER NOT NULL DEFAULT 1"), ("stamp", "TEXT NOT NULL DEFAULT ''"), ("totp_secret", "BLOB"), ("totp_last_step", "INTEGER NOT NULL DEFAULT 0"),
        })
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('accounts') WHERE name = '{column}'";
            if ((long)command.ExecuteScalar()! == 0)
            {
                command.CommandText = $"ALTER TABLE accounts ADD COLUMN {column} {definition}";
                command.ExecuteNonQuery();
            }
        }

        using var stamps = connection.CreateCommand();
        stamps.CommandText = "UPDATE accounts SET stamp = lower(hex(randomblob(16))) WHERE stamp = ''";
        stamps.ExecuteNonQuery();
    }
}
