using System.Globalization;
using Appliance.Core.Events;
using Microsoft.Data.Sqlite;

namespace Appliance.Radius.Users;

/// <summary>The changes the command line and the web UI make, each one transaction and one audit entry.</summary>
public sealed partial class UserStore
{
    private const int SqliteConstraint = 19;

    /// <summary>A password for <paramref name="kind"/>: 10 unambiguous characters, or the kind's minimum length if longer.</summary>
    public string GeneratePassword(UserKind kind) => PasswordRules.Generate(Math.Max(PasswordRules.GeneratedLength, Options.Passwords.MinLength(kind)));

    /// <exception cref="UserInputException">A field is wrong, the password breaks the policy, or the user exists.</exception>
    /// <exception cref="UserStoreException">The store cannot be written; nothing changed.</exception>
    public UserRecord Add(NewUser user, string password, string actor)
    {
        var now = _time.GetUtcNow();
        var valid = UserValidation.Validate(user, Options, now);
        PasswordRules.Check(valid.Name, valid.Kind, password, Options.Passwords);
        var secrets = HashSecrets(valid.Name, password, valid.StoreNtHash);
        lock (_lock)
        {
            Guard($"adding {valid.Name}", () =>
            {
                try
                {
                    return Insert(valid, secrets, now.ToUnixTimeMilliseconds(), transaction: null);
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
                {
                    throw new UserInputException($"user {valid.Name} already exists", ex);
                }
            });
        }

        Audit(actor, "user.added", valid.Name, DescribeForAudit(valid));
        return Get(valid.Name)!;
    }

    /// <summary>A guest with a generated password (and a generated name "guest-xxxxx" when <see cref="NewUser.Name"/> is empty).</summary>
    /// <exception cref="UserInputException">No sponsor, reason or expiry, or the expiry is past or too far away.</exception>
    public GuestVoucher AddGuest(NewUser guest, string actor)
    {
        var request = guest with { Kind = UserKind.Guest };
        for (var attempt = 0; ; attempt++)
        {
            var named = string.IsNullOrWhiteSpace(guest.Name) ? request with { Name = $"guest-{PasswordRules.Generate(5)}" } : request;
            var password = GeneratePassword(UserKind.Guest);
            try
            {
                return new GuestVoucher(Add(named, password, actor), password);
            }
            catch (UserInputException) when (named != request && attempt < 5 && Get(named.Name) is not null)
            {
                // A generated name that is taken: draw another.
            }
        }
    }

    /// <summary>Sets a new password (and clears any lockout). <paramref name="storeNtHash"/> null keeps whether an NT hash is stored.</summary>
    /// <exception cref="UserInputException">No such user, or the password breaks the policy.</exception>
    public void SetPassword(string userName, string password, string actor, bool? storeNtHash = null)
    {
        var existing = Get(userName) ?? throw NoSuchUser(userName);
        PasswordRules.Check(existing.Name, existing.Kind, password, Options.Passwords);
        var ntHash = storeNtHash ?? existing.HasNtHash;
        var secrets = HashSecrets(existing.Name, password, ntHash);
        lock (_lock)
        {
            Guard($"setting {existing.Name}'s password", () => Execute(
                "UPDATE users SET pw_algorithm = $alg, pw_iterations = $it, pw_salt = $salt, pw_hash = $hash, nt_hash = $nt, "
                + "failures = 0, first_failure_at = 0, locked_until = 0, updated_at = $now WHERE name = $name",
                ("$alg", secrets.Hash.Algorithm), ("$it", secrets.Hash.Iterations), ("$salt", secrets.Hash.Salt), ("$hash", secrets.Hash.Value),
                ("$nt", secrets.SealedNtHash), ("$now", Now), ("$name", existing.Name)));
        }

        Audit(actor, "user.password-set", existing.Name, AuditDetail.Of(("ntHash", ntHash)));
    }

    /// <summary>Enables (and unlocks) or disables a user. False when there is no such user.</summary>
    public bool SetEnabled(string userName, bool enabled, string actor)
    {
        var name = UserNames.Canonicalize(userName);
        var changed = 0;
        lock (_lock)
        {
            changed = Guard($"{(enabled ? "enabling" : "disabling")} {name}", () => Execute(enabled
                ? "UPDATE users SET enabled = 1, failures = 0, first_failure_at = 0, locked_until = 0, updated_at = $now WHERE name = $name"
                : "UPDATE users SET enabled = 0, updated_at = $now WHERE name = $name AND enabled = 1",
                ("$now", Now), ("$name", name)));
        }

        if (changed > 0)
        {
            Audit(actor, enabled ? "user.enabled" : "user.disabled", name, "{}");
        }

        return changed > 0 || Get(name) is not null;
    }

    /// <summary>Deletes a guest. Staff and pupils are disabled instead, so that their history stays attributable.</summary>
    /// <exception cref="UserInputException">The user is not a guest.</exception>
    public bool RemoveGuest(string userName, string actor)
    {
        if (Get(userName) is not { } user)
        {
            return false;
        }

        if (user.Kind != UserKind.Guest)
        {
            throw new UserInputException($"{user.Name} is {PasswordRules.Describe(user.Kind)}, not a guest; disable them instead (their history stays attributable)");
        }

        lock (_lock)
        {
            Guard($"removing {user.Name}", () => Execute("DELETE FROM users WHERE name = $name AND kind = 'guest'", ("$name", user.Name)));
        }

        Audit(actor, "user.removed", user.Name, AuditDetail.Of(("kind", "guest"), ("sponsor", user.Sponsor)));
        return true;
    }

    public UserRecord? Get(string userName)
        => UserNames.TryCanonicalize(userName, out var name, out _) && Load(name) is { } user ? Shown(user, Now) : null;

    /// <summary>Guests past their expiry who are still enabled: the sessions to end (Disconnect-Request) and the accounts to tidy.</summary>
    public IReadOnlyList<UserRecord> ExpiredGuests()
        => Query("WHERE kind = 'guest' AND enabled = 1 AND expires_at <= $now ORDER BY expires_at", [("$now", Now)]);

    /// <summary>A page of users, by name.</summary>
    public UserPage List(UserQuery query)
    {
        var where = new List<string>();
        var args = new List<(string, object?)>();
        if (query.Kind is { } kind)
        {
            where.Add("kind = $kind");
            args.Add(("$kind", UserDatabase.KindText(kind)));
        }

        if (query.Group is { } group)
        {
            where.Add("grp = $grp");
            args.Add(("$grp", group.ToLowerInvariant()));
        }

        if (query.Enabled is { } enabled)
        {
            where.Add("enabled = $enabled");
            args.Add(("$enabled", enabled ? 1 : 0));
        }

        if (query.YearGroup is { } year)
        {
            where.Add("year_group = $year");
            args.Add(("$year", year));
        }

        if (query.Sponsor is { } sponsor)
        {
            where.Add("lower(sponsor) = $sponsor");
            args.Add(("$sponsor", sponsor.Trim().ToLowerInvariant()));
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            where.Add("(instr(name, $s) > 0 OR instr(lower(first_name), $s) > 0 OR instr(lower(last_name), $s) > 0)");
            args.Add(("$s", query.Search.Trim().ToLowerInvariant()));
        }

        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        int total;
        lock (_lock)
        {
            total = Guard("counting users", () => Convert.ToInt32(Scalar($"SELECT count(*) FROM users {filter}", [.. args]), CultureInfo.InvariantCulture));
        }

        var limit = Math.Clamp(query.Limit, 1, UserQuery.MaxLimit);
        var page = Query($"{filter} ORDER BY name LIMIT $limit OFFSET $offset", [.. args, ("$limit", limit), ("$offset", Math.Max(0, query.Offset))]);
        return new UserPage(page, total);
    }

    /// <summary>Every user matching <paramref name="query"/> (its offset and limit ignored), page by page, by name.</summary>
    public IReadOnlyList<UserRecord> ListAll(UserQuery query)
    {
        var users = new List<UserRecord>();
        for (UserPage page; (page = List(query with { Offset = users.Count, Limit = UserQuery.MaxLimit })).Users.Count > 0 && users.Count < page.Total;)
        {
            users.AddRange(page.Users);
        }

        return users;
    }

    private List<UserRecord> Query(string clause, (string, object?)[] args)
    {
        var now = Now;
        lock (_lock)
        {
            return Guard("listing users", () =>
            {
                using var command = Command($"SELECT {UserDatabase.Columns} FROM users {clause}", args);
                using var reader = command.ExecuteReader();
                var users = new List<UserRecord>();
                while (reader.Read())
                {
                    users.Add(Shown(UserDatabase.Read(reader), now));
                }

                return users;
            });
        }
    }

    // A lockout that has run out is not shown.
    private static UserRecord Shown(StoredUser user, long now) => user.Lockout.IsLocked(now) ? user.Record : user.Record with { LockedUntil = null };

    private static UserInputException NoSuchUser(string userName) => new($"no user '{UserNames.Printable(userName)}'");

    private static string DescribeForAudit(NewUser user) => AuditDetail.Of(
        ("kind", UserDatabase.KindText(user.Kind)), ("group", user.Group), ("yearGroup", user.YearGroup), ("sponsor", user.Sponsor), ("reason", user.Reason),
        ("expiresAt", user.ExpiresAt?.ToString("u", CultureInfo.InvariantCulture)), ("ntHash", user.StoreNtHash));

    private void Audit(string actor, string action, string subject, string detail)
    {
        if (!_audit.Record(actor, action, subject, detail))
        {
            Interlocked.Increment(ref _auditGaps);
        }
    }
}
