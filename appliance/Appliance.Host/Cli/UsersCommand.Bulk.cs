using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Appliance.Host.Configuration;
using Appliance.Radius.Users;

namespace Appliance.Host.Cli;

/// <summary><c>users import</c>, <c>users list</c> and <c>users guest</c>: the commands that print more than a line.</summary>
public static partial class UsersCommand
{
    private static Command Import()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "CSV export of the MIS; the first line names the columns (username, kind/role, first name, last name, year, group, password)" };
        var kind = new Option<string?>("--kind") { Description = "The kind of lines without a kind column or value (staff or pupil)", HelpName = "KIND" };
        var output = new Option<string?>("--passwords-out") { Description = "New CSV file (mode 0600) for the passwords generated for new users", HelpName = "FILE" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check the file and say what would change; change nothing" };
        var skipBad = new Option<bool>("--skip-bad-lines") { Description = "Import the good lines even if some are bad (default: one bad line stops it all)" };
        var papOnly = new Option<bool>("--pap-only") { Description = "Store no NT hashes: TTLS-PAP only" };
        var by = By();
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("import", "Add or update staff and pupils from a CSV file, all or nothing") { file, kind, output, dryRun, skipBad, papOnly, by };
        settingsOptions.AddTo(command);
        command.SetAction(parse => Run(settingsOptions, parse, store =>
        {
            var path = parse.GetValue(file)!.FullName;
            if (!File.Exists(path))
            {
                throw new ConfigException($"{path}: no such file");
            }

            using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
            var options = new ImportOptions
            {
                DefaultKind = parse.GetValue(kind) is { } k ? ParseKind(k) : null,
                DryRun = parse.GetValue(dryRun),
                SkipBadLines = parse.GetValue(skipBad),
                PasswordsFile = parse.GetValue(output),
                StoreNtHash = !parse.GetValue(papOnly),
            };
            var report = store.Import(reader, options, parse.GetValue(by)!);
            foreach (var error in report.Errors)
            {
                Console.Error.WriteLine($"{path}: {error}");
            }

            if (report.IgnoredColumns.Count > 0)
            {
                Console.WriteLine($"ignored columns: {string.Join(", ", report.IgnoredColumns)}");
            }

            var counts = $"{report.Added} new, {report.Updated} updated, {report.Unchanged} unchanged, {report.PasswordsGenerated} passwords generated";
            Console.WriteLine(report.Applied ? $"imported: {counts} in {report.Elapsed.TotalSeconds:F1} s"
                : options.DryRun ? $"dry run, nothing changed; would be: {counts}"
                : report.Errors.Count > 0 ? $"nothing imported: {report.Errors.Count} bad lines (fix them, or --skip-bad-lines)"
                : "nothing to change");
            if (report.Applied && report.PasswordsGenerated > 0)
            {
                Console.WriteLine($"generated passwords: {options.PasswordsFile} (hand them out, then delete the file)");
            }

            if (report.Errors.Count > 0 && !report.Applied)
            {
                throw new UserInputException($"{path}: {report.Errors.Count} bad lines");
            }
        }));
        return command;
    }

    private static Command List()
    {
        var kind = new Option<string?>("--kind") { Description = "Only staff, pupil or guest", HelpName = "KIND" };
        var group = new Option<string?>("--group") { Description = "Only this policy group", HelpName = "GROUP" };
        var search = new Option<string?>("--search") { Description = "Part of the user, first or last name", HelpName = "TEXT" };
        var disabled = new Option<bool>("--disabled") { Description = "Only disabled users" };
        var json = new Option<bool>("--json") { Description = "A JSON array instead of lines" };
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("list", "List users, by name") { kind, group, search, disabled, json };
        settingsOptions.AddTo(command);
        command.SetAction(parse => Run(settingsOptions, parse, store =>
        {
            var query = new UserQuery
            {
                Kind = parse.GetValue(kind) is { } k ? (UserKinds.TryParse(k, out var parsed) ? parsed : throw new ConfigException($"--kind: '{k}' is not staff, pupil or guest")) : null,
                Group = parse.GetValue(group),
                Search = parse.GetValue(search),
                Enabled = parse.GetValue(disabled) ? false : null,
            };
            var users = store.ListAll(query);

            if (parse.GetValue(json))
            {
                WriteJson(users);
                return;
            }

            foreach (var user in users)
            {
                Console.WriteLine(Describe(user));
            }

            Console.Error.WriteLine($"{users.Count} users");
        }));
        return command;
    }

    private static Command Guest()
    {
        var name = new Option<string?>("--name") { Description = "The guest's user name (default: guest-xxxxx)", HelpName = "NAME" };
        var sponsor = new Option<string>("--sponsor") { Description = "The member of staff who vouches for the guest", Required = true, HelpName = "NAME" };
        var reason = new Option<string>("--reason") { Description = "Why the guest is here", Required = true, HelpName = "TEXT" };
        var hours = new Option<double?>("--hours") { Description = "Valid for this many hours", HelpName = "N" };
        var days = new Option<double?>("--days") { Description = "Valid for this many days (at most 30)", HelpName = "N" };
        var until = new Option<string?>("--until") { Description = "Valid until this time (ISO 8601, local time unless an offset is given)", HelpName = "TIME" };
        var group = new Option<string?>("--group") { Description = "The policy group (default: guests)", HelpName = "GROUP" };
        var papOnly = new Option<bool>("--pap-only") { Description = "Store no NT hash: TTLS-PAP only" };
        var by = By();
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("guest", "Create a time-limited guest account and print its voucher") { name, sponsor, reason, hours, days, until, group, papOnly, by };
        settingsOptions.AddTo(command);
        command.SetAction(parse => Run(settingsOptions, parse, store =>
        {
            var expiresAt = Expiry(parse.GetValue(hours), parse.GetValue(days), parse.GetValue(until));
            var voucher = store.AddGuest(new NewUser
            {
                Name = parse.GetValue(name) ?? "",
                Kind = UserKind.Guest,
                Sponsor = parse.GetValue(sponsor),
                Reason = parse.GetValue(reason),
                ExpiresAt = expiresAt,
                Group = parse.GetValue(group),
                StoreNtHash = !parse.GetValue(papOnly),
            }, parse.GetValue(by)!);
            var local = voucher.User.ExpiresAt!.Value.ToLocalTime();
            Console.WriteLine("Wi-Fi guest voucher");
            Console.WriteLine($"  user name:   {voucher.User.Name}");
            Console.WriteLine($"  password:    {voucher.Password}");
            Console.WriteLine($"  valid until: {local:yyyy-MM-dd HH:mm} ({local:zzz})");
            Console.WriteLine($"  sponsor:     {voucher.User.Sponsor}");
        }));
        return command;
    }

    private static DateTimeOffset Expiry(double? hours, double? days, string? until)
    {
        var given = (hours is null ? 0 : 1) + (days is null ? 0 : 1) + (until is null ? 0 : 1);
        if (given != 1)
        {
            throw new ConfigException("give exactly one of --hours, --days or --until");
        }

        if (until is not null)
        {
            return DateTimeOffset.TryParse(until, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var at)
                ? at
                : throw new ConfigException($"--until: '{until}' is not a date and time (e.g. 2026-11-25T17:00)");
        }

        var span = hours is { } h ? TimeSpan.FromHours(h) : TimeSpan.FromDays(days!.Value);
        return DateTimeOffset.UtcNow + span;
    }

    private static void WriteJson(IReadOnlyList<UserRecord> users)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (var u in users)
            {
                w.WriteStartObject();
                w.WriteString("name", u.Name);
                w.WriteString("kind", UserKinds.Name(u.Kind));
                w.WriteString("group", u.Group);
                WriteOptional(w, "yearGroup", u.YearGroup);
                WriteOptional(w, "firstName", u.FirstName);
                WriteOptional(w, "lastName", u.LastName);
                WriteOptional(w, "sponsor", u.Sponsor);
                WriteOptional(w, "reason", u.Reason);
                WriteOptional(w, "expiresAt", u.ExpiresAt?.ToString("u", CultureInfo.InvariantCulture));
                w.WriteBoolean("enabled", u.Enabled);
                w.WriteBoolean("ntHash", u.HasNtHash);
                WriteOptional(w, "lockedUntil", u.LockedUntil?.ToString("u", CultureInfo.InvariantCulture));
                w.WriteString("createdAt", u.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
                w.WriteString("updatedAt", u.UpdatedAt.ToString("u", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNull(name);
                break;
            case int i:
                w.WriteNumber(name, i);
                break;
            default:
                w.WriteString(name, value.ToString());
                break;
        }
    }
}
