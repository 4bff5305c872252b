using System.Diagnostics;
using System.Text;
using Appliance.Core.Events;
using Appliance.Radius.Users.Import;
using Microsoft.Data.Sqlite;

namespace Appliance.Radius.Users;

/// <summary>How to import: the kind of lines without one, whether to change anything, and where generated passwords go.</summary>
public sealed record ImportOptions
{
    public UserKind? DefaultKind { get; init; }

    /// <summary>Check the file and say what would change, changing nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Import the good lines even if some are bad (by default one bad line stops the whole import).</summary>
    public bool SkipBadLines { get; init; }

    /// <summary>The CSV file (created 0600, never overwritten) for the passwords generated for new users without one.</summary>
    public string? PasswordsFile { get; init; }

    /// <summary>
    /// Instead of <see cref="PasswordsFile"/>: where the generated passwords' CSV is written (left open), e.g. memory the
    /// web UI offers once as a download, so the passwords never touch the disk. Written before the users are stored; if
    /// storing fails it holds passwords that were never stored, and the caller discards it.
    /// </summary>
    public Stream? PasswordsStream { get; init; }

    public bool StoreNtHash { get; init; } = true;
}

/// <summary>What an import did (or, dry or refused, would do).</summary>
public sealed record ImportReport(
    int Added,
    int Updated,
    int Unchanged,
    int PasswordsGenerated,
    IReadOnlyList<ImportLineError> Errors,
    IReadOnlyList<string> IgnoredColumns,
    bool Applied,
    TimeSpan Elapsed);

/// <summary>Bulk import from the MIS: all-or-nothing in one transaction, idempotent (re-importing updates, never duplicates).</summary>
public sealed partial class UserStore
{
    /// <exception cref="UserInputException">New users need generated passwords but no <see cref="ImportOptions.PasswordsFile"/> was given, or it exists.</exception>
    /// <exception cref="UserStoreException">The store cannot be written; nothing changed (and no passwords file is left behind).</exception>
    public ImportReport Import(TextReader csv, ImportOptions options, string actor)
    {
        var watch = Stopwatch.StartNew();
        var parsed = UserCsv.Parse(csv, options.DefaultKind, Options, _time.GetUtcNow());
        var errors = parsed.Errors.ToList();
        var existing = new Dictionary<string, UserRecord>(StringComparer.Ordinal);
        foreach (var user in Query("", []))
        {
            existing[user.Name] = user;
        }

        var added = new List<ImportRow>();
        var updated = new List<ImportRow>();
        var unchanged = 0;
        foreach (var row in parsed.Rows)
        {
            if (!existing.TryGetValue(row.User.Name, out var current))
            {
                added.Add(row);
            }
            else if (current.Kind == UserKind.Guest)
            {
                errors.Add(new ImportLineError(row.Line, $"{row.User.Name} is a guest; guests are not changed by an import"));
            }
            else if (row.Password is not null || current.Kind != row.User.Kind || current.Group != row.User.Group || current.YearGroup != row.User.YearGroup
                || current.FirstName != row.User.FirstName || current.LastName != row.User.LastName)
            {
                updated.Add(row);
            }
            else
            {
                unchanged++;
            }
        }

        errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        var generate = added.Count(r => r.Password is null);
        ImportReport Report(bool applied) => new(added.Count, updated.Count, unchanged, generate, errors, parsed.IgnoredColumns, applied, watch.Elapsed);
        if (options.DryRun || (errors.Count > 0 && !options.SkipBadLines) || added.Count + updated.Count == 0)
        {
            return Report(applied: false);
        }

        if (generate > 0 && options.PasswordsFile is null && options.PasswordsStream is null)
        {
            throw new UserInputException($"{generate} new users have no password in the file: give a file for their generated passwords");
        }

        var prepared = Prepare(added, updated, options.StoreNtHash);
        Commit(prepared, options);
        Audit(actor, "users.imported", $"{added.Count + updated.Count} users", AuditDetail.Of(
            ("added", added.Select(r => r.User.Name)), ("updated", updated.Select(r => r.User.Name)), ("unchanged", unchanged),
            ("passwordsGenerated", generate), ("skippedLines", errors.Select(e => e.Line.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        return Report(applied: true);
    }

    /// <summary>A row ready to write: the user, whether it is new, its secrets if its password changes, and a generated password to hand out.</summary>
    private sealed record PreparedRow(NewUser User, bool IsNew, StoredSecrets? Secrets, string? Generated);

    // PBKDF2 dominates an import (2,000 pupils × one hash each): it runs on every core, before the transaction.
    private PreparedRow[] Prepare(List<ImportRow> added, List<ImportRow> updated, bool storeNtHash)
    {
        var work = added.Select(r => (Row: r, IsNew: true)).Concat(updated.Select(r => (Row: r, IsNew: false))).ToArray();
        var prepared = new PreparedRow[work.Length];
        Parallel.For(0, work.Length, i =>
        {
            var (row, isNew) = work[i];
            var generated = isNew && row.Password is null ? GeneratePassword(row.User.Kind) : null;
            var password = row.Password ?? generated;
            prepared[i] = new PreparedRow(row.User, isNew, password is null ? null : HashSecrets(row.User.Name, password, storeNtHash), generated);
        });
        return prepared;
    }

    private void Commit(PreparedRow[] rows, ImportOptions options)
    {
        var generated = rows.Where(r => r.Generated is not null).ToList();
        if (generated.Count > 0 && options.PasswordsStream is { } stream)
        {
            WritePasswords(stream, generated);
        }
        else if (generated.Count > 0)
        {
            WritePasswords(options.PasswordsFile!, generated);
        }

        try
        {
            lock (_lock)
            {
                Guard($"importing {rows.Length} users", () =>
                {
                    var now = Now;
                    using var transaction = _connection.BeginTransaction(deferred: false);
                    foreach (var row in rows)
                    {
                        _ = row.IsNew ? Insert(row.User, row.Secrets!, now, transaction) : UpdateFromImport(row, now, transaction);
                    }

                    transaction.Commit();
                    return 0;
                });
            }
        }
        catch (UserStoreException) when (generated.Count > 0 && options.PasswordsStream is null)
        {
            File.Delete(options.PasswordsFile!);   // they were never stored: a list of them would mislead
            throw;
        }
    }

    private int UpdateFromImport(PreparedRow row, long now, SqliteTransaction transaction)
    {
        var user = row.User;
        var sql = "UPDATE users SET kind = $kind, grp = $grp, year_group = $year, first_name = $first, last_name = $last, updated_at = $now"
            + (row.Secrets is null ? "" : ", pw_algorithm = $alg, pw_iterations = $it, pw_salt = $salt, pw_hash = $hash, nt_hash = $nt, failures = 0, locked_until = 0")
            + " WHERE name = $name";
        using var command = Command(sql,
            [("$kind", UserDatabase.KindText(user.Kind)), ("$grp", user.Group), ("$year", user.YearGroup), ("$first", user.FirstName), ("$last", user.LastName),
             ("$now", now), ("$name", user.Name), ("$alg", row.Secrets?.Hash.Algorithm), ("$it", row.Secrets?.Hash.Iterations),
             ("$salt", row.Secrets?.Hash.Salt), ("$hash", row.Secrets?.Hash.Value), ("$nt", row.Secrets?.SealedNtHash)]);
        command.Transaction = transaction;
        return command.ExecuteNonQuery();
    }

    private static void WritePasswords(string path, List<PreparedRow> rows)
    {
        try
        {
            using var file = PrivateFile.CreateNew(path);
            WritePasswords(file, rows);
            file.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"passwords file {path}: cannot be created ({ex.Message}); nothing was imported", ex);
        }
    }

    private static void WritePasswords(Stream output, List<PreparedRow> rows)
    {
        using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true);
        writer.Write("username,password,kind,group,year\r\n");
        foreach (var row in rows)
        {
            writer.Write($"{CsvReader.Quote(row.User.Name)},{row.Generated},{UserDatabase.KindText(row.User.Kind)},{CsvReader.Quote(row.User.Group!)},{row.User.YearGroup}\r\n");
        }

        writer.Flush();
    }
}
