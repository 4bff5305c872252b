using System.CommandLine;
using Appliance.Host.Configuration;
using Appliance.Host.Hosting;

namespace Appliance.Host.Cli;

/// <summary>
/// <c>appliance audit verify|show</c>: check the audit log's hash chain from end to end (exit 0 intact, 1 broken,
/// naming the first bad entry), and print its newest entries.
/// </summary>
public static class AuditCommand
{
    public static Command Create()
    {
        var audit = new Command("audit", "Verify and read the tamper-evident audit log of changes and commands");
        audit.Subcommands.Add(Verify());
        audit.Subcommands.Add(Show());
        return audit;
    }

    private static Command Verify()
    {
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("verify", "Walk the hash chain: every entry present, unchanged and linked to the one before");
        settingsOptions.AddTo(command);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var settings = settingsOptions.Resolve(parse);
            var path = Path.Combine(settings.DataDir, AuditSetup.StoreFile);
            using var log = OpenExisting(settings);
            var result = log.Verify();
            if (!result.Intact)
            {
                Console.Error.WriteLine($"appliance: audit log {path} is BROKEN: {result.Problem}");
                Console.Error.WriteLine($"  entries {result.FirstSeq}–{result.LastSeq} before it verify; the Local Authority holds a copy of every entry (audit stream)");
                return ExitCodes.RuntimeFailure;
            }

            Console.WriteLine($"audit log {path} intact: {result.Entries} entries, seq {result.FirstSeq}–{result.LastSeq}, head {result.Head}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show()
    {
        var last = new Option<int>("--last") { Description = "How many of the newest entries", DefaultValueFactory = _ => 50 };
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("show", "Print the newest entries: when, who, what, to what, details") { last };
        settingsOptions.AddTo(command);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            using var log = OpenExisting(settingsOptions.Resolve(parse));
            foreach (var e in log.Tail(Math.Max(1, parse.GetValue(last))))
            {
                Console.WriteLine($"{e.Seq,6} {e.At:u} {e.Actor} {e.Action} {e.Subject} {e.Detail} #{e.HashHex[..12]}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Appliance.Journal.Audit.AuditLog OpenExisting(ApplianceSettings settings)
    {
        var path = Path.Combine(settings.DataDir, AuditSetup.StoreFile);
        return File.Exists(path)
            ? AuditSetup.Open(settings)
            : throw new ConfigException($"{path}: no audit log (the appliance has not run with this data directory)");
    }
}
