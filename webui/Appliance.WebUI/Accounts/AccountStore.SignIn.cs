using System.Security.Cryptography;

namespace Appliance.WebUI.Accounts;

/// <summary>The outcome of a password (and, when enrolled, a code) check: who, and the session stamp to put in the cookie.</summary>
public sealed record SignInResult(SignInOutcome Outcome, WebAccount? Account = null, string? Stamp = null);

public sealed partial class AccountStore
{
    /// <summary>Failures from one address before that address is locked out of the account for <see cref="Window"/>.</summary>
    private const int MaxFailures = 5;

    /// <summary>
    /// Failures from all addresses together before the account is locked everywhere: a guesser with many addresses is
    /// still stopped, while one pupil's laptop cannot lock the DSL out (that takes this many from many machines).
    /// </summary>
    private const int MaxFailuresEverywhere = 50;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Checks a name and password from <paramref name="address"/>. An account with a second factor answers
    /// <see cref="SignInOutcome.CodeNeeded"/>: the caller then asks for the code (<see cref="VerifyCode"/>).
    /// Unknown names cost the same hash and the same write as known ones, so neither time nor lockout tells them apart.
    /// </summary>
    public SignInResult SignIn(string name, string password, string address)
    {
        name = Normal(name);
        if (password.Length > MaxPasswordLength)
        {
            return new(SignInOutcome.Refused);   // not hashed: a 4 MB "password" must not cost 4 MB of PBKDF2
        }

        // The row is read under the lock, the password hashed outside it (a slow hash must not queue every page view
        // behind it), and the failure count then updated under the lock again.
        Credentials? found;
        lock (_lock)
        {
            if (IsLockedOut(name, address))
            {
                return new(SignInOutcome.LockedOut);
            }

            found = ReadCredentials(name);
        }

        var (salt, iterations, hash) = found is { } f ? (f.Salt, f.Iterations, f.Hash) : (new byte[16], Iterations, []);
        var matches = CryptographicOperations.FixedTimeEquals(Hash(password, salt, iterations), hash) && hash.Length > 0;   // unknown names hash too
        lock (_lock)
        {
            if (!matches || found is not { Enabled: true })
            {
                return new(RecordFailure(name, address));
            }

            var account = new WebAccount(name, found.Role);
            if (found.HasTotp)
            {
                // Failures are cleared only by the whole sign-in (VerifyCode): else the password, posted again, would wipe
                // the count of wrong codes and make the code guessable without end.
                return new(SignInOutcome.CodeNeeded, account);
            }

            ClearFailures(name, address);
            return new(SignInOutcome.Accepted, account, found.Stamp);
        }
    }

    /// <summary>
    /// Checks the second factor of an account whose password was just accepted (RFC 6238, ±1 step of 30 s). A code
    /// is good once: the step it matched is remembered, so a code read over a shoulder cannot be replayed.
    /// </summary>
    public SignInResult VerifyCode(string name, string code, string address)
    {
        name = Normal(name);
        lock (_lock)
        {
            if (IsLockedOut(name, address))
            {
                return new(SignInOutcome.LockedOut);
            }

            if (ReadCredentials(name) is not { Enabled: true, TotpSecret: { } secret } found
                || Totp.Match(secret, code, _time.GetUtcNow(), found.TotpLastStep) is not { } step)
            {
                return new(RecordFailure(name, address));
            }

            Execute("UPDATE accounts SET totp_last_step = $s WHERE name = $name", ("$s", step), ("$name", name));
            ClearFailures(name, address);
            return new(SignInOutcome.Accepted, new WebAccount(name, found.Role), found.Stamp);
        }
    }

    private bool IsLockedOut(string name, string address)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        using var command = _connection.CreateCommand();
        command.CommandText = """
            SELECT COALESCE(MAX(CASE WHEN address = $a THEN locked_until END), 0),
                   COALESCE(SUM(CASE WHEN first_failure >= $since THEN failures END), 0)
            FROM sign_in_failures WHERE name = $name
            """;
        command.Parameters.AddWithValue("$a", address);
        command.Parameters.AddWithValue("$since", now - (long)Window.TotalMilliseconds);
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        reader.Read();
        return reader.GetInt64(0) > now || reader.GetInt64(1) >= MaxFailuresEverywhere;
    }

    private SignInOutcome RecordFailure(string name, string address)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var windowStart = now - (long)Window.TotalMilliseconds;
        using var transaction = _connection.BeginTransaction();
        // Old windows go as new failures come: the table stays as small as the last quarter hour's guessing.
        Execute("DELETE FROM sign_in_failures WHERE first_failure < $since AND locked_until < $now", ("$since", windowStart), ("$now", now));
        using var command = _connection.CreateCommand();
        command.CommandText = """
            INSERT INTO sign_in_failures (name, address, failures, first_failure, locked_until) VALUES ($name, $a, 1, $now, 0)
            ON CONFLICT (name, address) DO UPDATE SET
                failures = CASE WHEN first_failure >= $since THEN failures + 1 ELSE 1 END,
                first_failure = CASE WHEN first_failure >= $since THEN first_failure ELSE $now END
            RETURNING failures
            """;
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$a", address);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$since", windowStart);
        var failures = (long)command.ExecuteScalar()!;
        if (failures >= MaxFailures)
        {
            Execute("UPDATE sign_in_failures SET locked_until = $until WHERE name = $name AND address = $a",
                ("$until", now + (long)Window.TotalMilliseconds), ("$name", name), ("$a", address));
        }

        transaction.Commit();
        return failures >= MaxFailures || IsLockedOut(name, address) ? SignInOutcome.LockedOut : SignInOutcome.Refused;
    }

    private void ClearFailures(string name, string address) =>
        Execute("DELETE FROM sign_in_failures WHERE name = $name AND address = $a", ("$name", name), ("$a", address));

    private sealed record Credentials(WebRole Role, byte[] Salt, int Iterations, byte[] Hash, bool Enabled, string Stamp, byte[]? TotpSecret, long TotpLastStep)
    {
        public bool HasTotp => TotpSecret is not null;
    }

    private Credentials? ReadCredentials(string name)
    {
        using var find = _connection.CreateCommand();
        find.CommandText = "SELECT role, salt, iterations, hash, enabled, stamp, totp_secret, totp_last_step FROM accounts WHERE name = $name";
        find.Parameters.AddWithValue("$name", name);
        using var reader = find.ExecuteReader();
        return reader.Read()
            ? new Credentials(Enum.Parse<WebRole>(reader.GetString(0)), (byte[])reader[1], reader.GetInt32(2), (byte[])reader[3], reader.GetInt64(4) != 0,
                reader.GetString(5), reader.IsDBNull(6) ? null : (byte[])reader[6], reader.GetInt64(7))
            : null;
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (parameter, value) in parameters)
        {
            command.Parameters.AddWithValue(parameter, value);
        }

        command.ExecuteNonQuery();
    }

    private static string Normal(string name) => name.Trim().ToLowerInvariant();
}
