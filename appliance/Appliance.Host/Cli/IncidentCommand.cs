using System.CommandLine;
using Appliance.Core.Events;
using Appliance.Host.Configuration;
using Appliance.Host.Hosting;
using Appliance.Journal.Incidents;

namespace Appliance.Host.Cli;

/// <summary>
/// <c>appliance incident list|ack|close|test</c>: the DSL's and technician's handling of panic-button incidents on the
/// box itself (the web UI does the same later). Changes are audited here and sent to the LA by the running service.
/// </summary>
public static class IncidentCommand
{
    public static Command Create()
    {
        var incident = new Command("incident", "Panic-button incidents: list, acknowledge, close, weekly test mode");
        incident.Subcommands.Add(List());
        incident.Subcommands.Add(Move("ack", "Acknowledge an incident (the panel's LED turns steady)", IncidentState.Acknowledged, "incident.acknowledged"));
        incident.Subcommands.Add(Move("close", "Close an incident (the DSL only)", IncidentState.Closed, "incident.closed"));
        incident.Subcommands.Add(Test());
        return incident;
    }

    private static Command List()
    {
        var last = new Option<int>("--last") { Description = "How many of the newest", DefaultValueFactory = _ => 20 };
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("list", "The newest incidents, their state, evidence digest and delivery") { last };
        settingsOptions.AddTo(command);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            using var store = Open(settingsOptions.Resolve(parse));
            foreach (var i in store.Recent(Math.Max(1, parse.GetValue(last))))
            {
                Console.WriteLine($"{IncidentStore.Describe(i)}{(i.StateBy is null ? "" : $"; {i.StateName} by {i.StateBy} at {i.StateAt:u}")}"
                    + $"; evidence {i.EvidenceSha256 ?? "not sealed"}; {(i.DeliveredAt is { } d ? $"delivered {d:u}" : "NOT delivered")}{(i.EscalatedAt is { } e ? $"; escalated {e:u}" : "")}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Move(string name, string description, IncidentState state, string action)
    {
        var id = new Argument<long>("id") { Description = "The incident's number" };
        var by = new Option<string>("--by") { Description = "Who (kept in the audit log)", Required = true };
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command(name, description) { id, by };
        settingsOptions.AddTo(command);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var settings = settingsOptions.Resolve(parse);
            using var store = Open(settings);
            var number = parse.GetValue(id);
            var who = parse.GetValue(by)!;
            if (!store.SetState(number, state, who, DateTimeOffset.UtcNow))
            {
                Console.Error.WriteLine(store.Get(number) is { } i
                    ? $"appliance: incident #{number} is {i.StateName}; it cannot become {state.ToString().ToLowerInvariant()}"
                    : $"appliance: no incident #{number}");
                return ExitCodes.RuntimeFailure;
            }

            using var audit = AuditSetup.Open(settings);
            ((IAuditSink)audit).Record(who, action, $"incident {number}", AuditDetail.Of(("by", who)));
            Console.WriteLine(IncidentStore.Describe(store.Get(number)!));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Test()
    {
        var minutes = new Option<int>("--minutes") { Description = "How long raises count as TEST (0 ends test mode)", DefaultValueFactory = _ => 15 };
        var by = new Option<string>("--by") { Description = "Who runs the test (kept in the audit log)", Required = true };
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("test", "Weekly test: raises in the next minutes are marked TEST at the LA and in the DSL's e-mail") { minutes, by };
        settingsOptions.AddTo(command);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var settings = settingsOptions.Resolve(parse);
            using var store = Open(settings);
            var span = Math.Clamp(parse.GetValue(minutes), 0, 240);
            DateTimeOffset? until = span == 0 ? null : DateTimeOffset.UtcNow.AddMinutes(span);
            store.SetTestMode(until);
            using var audit = AuditSetup.Open(settings);
            ((IAuditSink)audit).Record(parse.GetValue(by)!, "incident.test-mode", "panel", AuditDetail.Of(("until", until?.ToString("u", System.Globalization.CultureInfo.InvariantCulture))));
            Console.WriteLine(until is { } u ? $"test mode until {u:u}: press the panel's button now" : "test mode off");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static IncidentStore Open(ApplianceSettings settings)
    {
        Directory.CreateDirectory(settings.DataDir);
        try
        {
            return IncidentStore.Open(Path.Combine(settings.DataDir, "incidents.db"));
        }
        catch (Appliance.Journal.JournalException ex)
        {
            throw new ConfigException(ex.Message, ex);
        }
    }
}
