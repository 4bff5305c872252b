using System.CommandLine;
using Appliance.Host.Configuration;
using Appliance.Host.Hosting;
using Appliance.Radius.Users;

namespace Appliance.Host.Cli;

/// <summary>
/// <c>appliance users add|import|list|disable|enable|passwd|guest|remove</c>: the Wi-Fi accounts the RADIUS server
/// checks (DATA_DIR/users.db). Every change is audited with who made it (<c>--by</c>). A password is never taken as
/// an argument (it would show in <c>ps</c> and the shell's history): it is read from standard input with
/// <c>--password-stdin</c>, or generated and printed once.
/// </summary>
public static partial class UsersCommand
{
    public static Command Create()
    {
        var users = new Command("users", "Wi-Fi accounts: staff, pupils and sponsored guests");
        users.Subcommands.Add(Add());
        users.Subcommands.Add(Import());
        users.Subcommands.Add(List());
        users.Subcommands.Add(SetEnabled("disable", "Refuse a user's logins (their history stays attributable)", enabled: false));
        users.Subcommands.Add(SetEnabled("enable", "Allow a user's logins again (and end any lockout)", enabled: true));
        users.Subcommands.Add(Passwd());
        users.Subcommands.Add(Guest());
        users.Subcommands.Add(Remove());
        return users;
    }

    private static Command Add()
    {
        var name = new Argument<string>("NAME") { Description = "The user name (stored lower case)" };
        var kind = new Option<string>("--kind") { Description = "staff or pupil (guests: `users guest`)", Required = true, HelpName = "KIND" };
        var group = new Option<string?>("--group") { Description = "The policy group (default: staff or pupils)", HelpName = "GROUP" };
        var year = new Option<int?>("--year") { Description = "A pupil's year group (0 = Reception … 13)", HelpName = "N" };
        var first = new Option<string?>("--first-name") { HelpName = "TEXT" };
        var last = new Option<string?>("--last-name") { HelpName = "TEXT" };
        var secrets = new PasswordOptions();
        var by = By();
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("add", "Add a staff member or a pupil") { name, kind, group, year, first, last, by };
        secrets.AddTo(command);
        settingsOptions.AddTo(command);
        command.SetAction(parse => Run(settingsOptions, parse, store =>
        {
            var userKind = ParseKind(parse.GetValue(kind)!);
            var (password, generated) = secrets.Read(parse, store, userKind);
            var user = store.Add(new NewUser
            {
                Name = parse.GetValue(name)!,
                Kind = userKind,
                Group = parse.GetValue(group),
                YearGroup = parse.GetValue(year),
                FirstName = parse.GetValue(first),
                LastName = parse.GetValue(last),
                StoreNtHash = !parse.GetValue(secrets.PapOnly),
            }, password, parse.GetValue(by)!);
            Console.WriteLine($"added {Describe(user)}");
            PrintGenerated(generated, password);
        }));
        return command;
    }

    private static Command SetEnabled(string verb, string description, bool enabled)
    {
        var name = new Argument<string>("NAME") { Description = "The user name" };
        var by = By();
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command(verb, description) { name, by };
        settingsOptions.AddTo(command);
        command.SetAction(parse => Run(settingsOptions, parse, store =>
        {
            if (!store.SetEnabled(parse.GetValue(name)!, enabled, parse.GetValue(by)!))
            {
                throw new UserInputException($"no user '{parse.GetValue(name)}'");
            }

            Console.WriteLine($"{verb}d {Describe(store.Get(parse.GetValue(name)!)!)}");
        }));
        return command;
    }

    private static Command Passwd()
    {
        var name = new Argument<string>("NAME") { Description = "The user name" };
        var secrets = new PasswordOptions();
        var by = By();
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("passwd", "Set a user's password (read from stdin, or generated and printed once); ends any lockout") { name, by };
        secrets.AddTo(command);
        settingsOptions.AddTo(command);
        command.SetAction(parse => Run(settingsOptions, parse, store =>
        {
            var user = store.Get(parse.GetValue(name)!) ?? throw new UserInputException($"no user '{parse.GetValue(name)}'");
            var (password, generated) = secrets.Read(parse, store, user.Kind);
            store.SetPassword(user.Name, password, parse.GetValue(by)!, parse.GetValue(secrets.PapOnly) ? false : null);
            Console.WriteLine($"password set for {user.Name}");
            PrintGenerated(generated, password);
        }));
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("NAME") { Description = "The guest's user name" };
        var by = By();
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("remove", "Delete a guest account (staff and pupils are disabled instead)") { name, by };
        settingsOptions.AddTo(command);
        command.SetAction(parse => Run(settingsOptions, parse, store =>
        {
            if (!store.RemoveGuest(parse.GetValue(name)!, parse.GetValue(by)!))
            {
                throw new UserInputException($"no user '{parse.GetValue(name)}'");
            }

            Console.WriteLine($"removed guest {parse.GetValue(name)!.ToLowerInvariant()}");
        }));
        return command;
    }

    private static Option<string> By() => new("--by") { Description = "Who is making the change (kept in the audit log)", Required = true, HelpName = "NAME" };

    /// <summary>
    /// Opens the store with the audit log beside it and runs <paramref name="action"/>. Bad input exits 2, a store that
    /// cannot be read or written exits 1; a change whose audit entry could not be stored is reported.
    /// </summary>
    private static int Run(CommandLine.SettingsOptions settingsOptions, ParseResult parse, Action<UserStore> action) => CommandErrors.Run(() =>
    {
        var settings = settingsOptions.Resolve(parse);
        Directory.CreateDirectory(settings.DataDir);
        using var audit = AuditSetup.Open(settings);
        using var store = UserStore.Open(settings.DataDir, audit);
        action(store);
        if (store.AuditGaps > 0)
        {
            Console.Error.WriteLine($"appliance: warning: {store.AuditGaps} change(s) made but not recorded in the audit log {audit.Path}");
            return ExitCodes.RuntimeFailure;
        }

        return ExitCodes.Ok;
    });

    private static UserKind ParseKind(string text) => text.ToLowerInvariant() switch
    {
        "staff" => UserKind.Staff,
        "pupil" => UserKind.Pupil,
        "guest" => throw new ConfigException("--kind: guests are made with `appliance users guest` (they need a sponsor, a reason and an expiry)"),
        _ => throw new ConfigException($"--kind: '{text}' is not staff or pupil"),
    };

    private static string Describe(UserRecord user)
    {
        var parts = new List<string> { PasswordRules.Describe(user.Kind), $"group {user.Group}" };
        parts.AddRange(user.YearGroup is { } y ? [$"year {y}"] : []);
        parts.AddRange(user.ExpiresAt is { } e ? [$"expires {e:u}", $"sponsor {user.Sponsor}"] : []);
        parts.Add(user.Enabled ? "enabled" : "DISABLED");
        parts.AddRange(user.LockedUntil is { } l ? [$"LOCKED until {l:u}"] : []);
        parts.AddRange(user.HasNtHash ? [] : ["PAP only"]);
        return $"{user.Name} ({string.Join(", ", parts)})";
    }

    private static void PrintGenerated(bool generated, string password)
    {
        if (generated)
        {
            Console.WriteLine($"password: {password}   (shown once; hand it over now)");
        }
    }

    /// <summary>Where a password comes from: stdin with --password-stdin, else generated.</summary>
    private sealed class PasswordOptions
    {
        public Option<bool> Stdin { get; } = new("--password-stdin") { Description = "Read the password from the first line of standard input (default: generate one)" };

        public Option<bool> PapOnly { get; } = new("--pap-only") { Description = "Store no NT hash: TTLS-PAP only, no PEAP-MSCHAPv2" };

        public void AddTo(Command command)
        {
            command.Options.Add(Stdin);
            command.Options.Add(PapOnly);
        }

        public (string Password, bool Generated) Read(ParseResult parse, UserStore store, UserKind kind)
        {
            if (!parse.GetValue(Stdin))
            {
                return (store.GeneratePassword(kind), true);
            }

            var line = Console.In.ReadLine()?.TrimEnd('\r');
            return string.IsNullOrEmpty(line) ? throw new ConfigException("--password-stdin: standard input held no password") : (line, false);
        }
    }
}
