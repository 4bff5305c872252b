using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Host.Configuration;
using Appliance.Host.Hosting;
using Appliance.Policy;
using Appliance.Protocols.Dns;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Host.Cli;

/// <summary>
/// <c>appliance policy explain|show|set|history|audit</c>: ask why a name is (not) blocked for a client at a
/// time, read the policy, change it (with who and why; the running appliance picks the change up within two
/// seconds), and read its change log.
/// </summary>
public static class PolicyCommand
{
    public static Command Create()
    {
        var policy = new Command("policy", "Explain, show and change the filtering policy");
        policy.Subcommands.Add(Explain());
        policy.Subcommands.Add(Show());
        policy.Subcommands.Add(Set());
        policy.Subcommands.Add(History());
        return policy;
    }

    private static Command Explain()
    {
        var client = new Option<string>("--client") { Description = "The client's IP address", Required = true, HelpName = "IP" };
        var name = new Option<string>("--name") { Description = "The name asked for", Required = true, HelpName = "NAME" };
        var type = new Option<string>("--type") { Description = "Query type (A, AAAA, HTTPS, MX…)", DefaultValueFactory = _ => "A", HelpName = "TYPE" };
        var at = new Option<string?>("--at") { Description = "When, ISO 8601 (e.g. 2026-11-25T10:00 in the school's time zone, or with an offset); default now", HelpName = "TIME" };
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("explain", "Print the decision for a client and a name, and why") { client, name, type, at };
        settingsOptions.AddTo(command);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var settings = settingsOptions.Resolve(parse);
            using var http = new HttpClient();
            if (!IPAddress.TryParse(parse.GetValue(client), out var ip))
            {
                throw new ConfigException($"--client: '{parse.GetValue(client)}' is not an IP address");
            }

            var wire = new byte[DnsLimits.MaxNameLength];
            var nameText = parse.GetValue(name)!.TrimEnd('.').ToLowerInvariant();
            if (!DnsName.TryEncode(nameText, wire, out var length))
            {
                throw new ConfigException($"--name: '{parse.GetValue(name)}' is not a DNS name");
            }

            var qtype = ParseType(parse.GetValue(type)!);
            var engine = new PolicyEngine();
            Directory.CreateDirectory(settings.DataDir);
            var changes = PolicySetup.StartAsync(settings, PolicySetup.Refresher(settings, http), engine, NullLogger.Instance).GetAwaiter().GetResult();
            using var store = changes.Store;
            var snapshot = engine.Snapshot;
            var when = When(parse.GetValue(at), snapshot.Clock.Zone);
            var address = ClientAddress.FromEndPoint(new IPEndPoint(ip, 0));
            var facts = new RequestFacts(wire.AsSpan(0, length), qtype, address, RequestSource.DnsUdp, when);
            var verdict = PolicyEngine.Decide(snapshot, facts);
            Print(snapshot, changes.Current, address, nameText, parse.GetValue(type)!.ToUpperInvariant(), when, verdict);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show()
    {
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("show", "Print the current policy document (JSON) and its version");
        settingsOptions.AddTo(command);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            using var store = PolicySetup.OpenStore(settingsOptions.Resolve(parse));
            var current = store.Current();
            if (current is null)
            {
                Console.Error.WriteLine("appliance: no policy stored yet; the built-in default applies until the first start:");
                Console.WriteLine(JsonSerializer.Serialize(PolicyCompiler.DefaultDocument, PolicyJsonContext.Default.PolicyDocument));
                return ExitCodes.Ok;
            }

            Console.Error.WriteLine($"version {current.Version}, {current.At:u} by {current.Actor}: {current.Reason}");
            Console.WriteLine(JsonSerializer.Serialize(current.Document, PolicyJsonContext.Default.PolicyDocument));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Set()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The new policy document (JSON; `policy show` prints the current one)" };
        var by = new Option<string>("--by") { Description = "Who is making the change", Required = true, HelpName = "NAME" };
        var reason = new Option<string>("--reason") { Description = "Why (kept in the change log)", Required = true, HelpName = "TEXT" };
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("set", "Validate, record and apply a new policy (the running appliance applies it within 2 s)") { file, by, reason };
        settingsOptions.AddTo(command);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var settings = settingsOptions.Resolve(parse);
            var document = PolicySetup.ReadDocument(parse.GetValue(file)!.FullName);

            // Validity does not depend on the lists, so the check runs without loading them.
            using var audit = AuditSetup.Open(settings);
            var changes = PolicyChangeService.Start(PolicySetup.OpenStore(settings), new PolicyEngine(), PolicyLists.None, PolicyCompiler.DefaultDocument,
                "the built-in default", NullLogger.Instance, audit);
            using var store = changes.Store;
            var result = changes.Apply(document, parse.GetValue(by)!, parse.GetValue(reason)!);
            if (!result.Applied)
            {
                Console.Error.WriteLine("appliance: the policy was not changed:");
                foreach (var error in result.Errors)
                {
                    Console.Error.WriteLine($"  {error}");
                }

                return ExitCodes.BadUsage;
            }

            Console.WriteLine($"policy version {result.Version!.Version} stored: {result.Version.Summary}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command History()
    {
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("history", "Print the change log: every version and every refused change, newest first");
        settingsOptions.AddTo(command);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            using var store = PolicySetup.OpenStore(settingsOptions.Resolve(parse));
            foreach (var entry in store.AuditLog())
            {
                var version = entry.Version is { } v ? $"v{v}" : "-";
                Console.WriteLine($"{entry.At:u}\t{entry.Action}\t{version}\t{entry.Actor}\t{entry.Reason}\t{entry.Summary}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Print(PolicySnapshot snapshot, PolicyVersion version, in ClientAddress client, string name, string type, DateTimeOffset when,
        Verdict verdict)
    {
        var local = TimeZoneInfo.ConvertTime(when, snapshot.Clock.Zone);
        var moment = snapshot.Clock.At(when);
        var term = snapshot.Terms.IsEmpty ? "no term dates" : snapshot.Terms.InTerm(moment.Date) ? "in term" : "out of term";
        var group = snapshot.Groups[verdict.Group];
        var bySubnet = snapshot.Subnets.Match(client) >= 0;
        Console.WriteLine($"policy   version {version.Version} ({version.At:u}, {version.Actor}: {version.Reason})");
        Console.WriteLine($"client   {client.ToIPAddress()} → group '{group.Name}' ({(bySubnet ? "by subnet" : "the default group")})");
        Console.WriteLine($"request  {name} {type} at {local:yyyy-MM-dd HH:mm} {snapshot.Clock.Zone.Id} ({local:dddd}, {term})");
        Console.WriteLine($"verdict  {Describe(verdict)}");
        Console.WriteLine($"reason   {(int)verdict.Reason} {verdict.Reason}: {Why(verdict, group)}");
    }

    private static string Describe(in Verdict verdict) => verdict.Action switch
    {
        VerdictAction.Allow => "allowed: forwarded and answered from upstream",
        VerdictAction.Block => "blocked: 0.0.0.0/:: for A/AAAA, NODATA with SOA for other types, EDE 15",
        VerdictAction.NxDomain => "NXDOMAIN with SOA, EDE 17",
        VerdictAction.NoData => "NODATA with SOA",
        VerdictAction.Rewrite => $"rewritten: CNAME {DnsName.ToDisplayString(SafeSearch.TargetName(verdict.Target))} plus its addresses",
        _ => verdict.Action.ToString(),
    };

    private static string Why(in Verdict verdict, GroupPolicy group) => verdict.Reason switch
    {
        ReasonCode.DnsBlockedStatutory => $"on a locked statutory list ({Categories.Describe(verdict.Categories)}); blocked for everyone, no allow entry can lift it",
        ReasonCode.DnsBlockedSecurity => $"security category {Categories.Describe(verdict.Categories)}; blocked for everyone, above allow entries",
        ReasonCode.DnsBlockedCategory => $"listed as {Categories.Describe(verdict.Categories)}, which group '{group.Name}' blocks",
        ReasonCode.DnsBlockedSchedule => $"listed as {Categories.Describe(verdict.Categories)}, which group '{group.Name}' blocks at this time by schedule",
        ReasonCode.DnsBlockedCustom => $"a deny entry of group '{group.Name}'",
        ReasonCode.DnsAllowedCustom => $"an allow entry of group '{group.Name}' (it does not lift statutory lists, security categories or safe search)",
        ReasonCode.DnsAllowedLesson => $"an open lesson window for group '{group.Name}' or the client's room (it does not lift statutory lists, security categories or safe search)",
        ReasonCode.DnsCircumventionCanary => "a circumvention canary: answered so that encrypted DNS and relays stay off",
        ReasonCode.DnsSafeSearch => $"safe search is on for group '{group.Name}'",
        ReasonCode.DnsHttpsRecordRefused => "the policy answers HTTPS records NODATA (httpsRecords: nodata)",
        ReasonCode.DnsYouTubeRestricted => $"YouTube Restricted Mode is {group.YouTube.ToString().ToLowerInvariant()} for group '{group.Name}'",
        _ => "no rule matched; the default is allow",
    };

    private static DateTimeOffset When(string? text, TimeZoneInfo zone)
    {
        if (text is null)
        {
            return DateTimeOffset.UtcNow;
        }

        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            throw new ConfigException($"--at: '{text}' is not a date and time (e.g. 2026-11-25T10:00)");
        }

        // With an offset it is an instant; without, a wall-clock time at the school.
        return text.Contains('+', StringComparison.Ordinal) || text.EndsWith('Z') || text.LastIndexOf('-') > 9
            ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture)
            : new DateTimeOffset(parsed, zone.GetUtcOffset(parsed));
    }

    private static ushort ParseType(string text) => text.ToUpperInvariant() switch
    {
        "A" => DnsType.A,
        "AAAA" => DnsType.Aaaa,
        "HTTPS" => DnsType.Https,
        "SVCB" => DnsType.Svcb,
        "MX" => DnsType.MX,
        "TXT" => DnsType.Txt,
        "CNAME" => DnsType.CName,
        "NS" => DnsType.NS,
        "PTR" => DnsType.Ptr,
        var t when t.StartsWith("TYPE", StringComparison.Ordinal) && ushort.TryParse(t.AsSpan(4), out var n) => n,
        _ => throw new ConfigException($"--type: '{text}' is not a query type this command knows (A, AAAA, HTTPS, SVCB, MX, TXT, CNAME, NS, PTR or TYPEnn)"),
    };
}
