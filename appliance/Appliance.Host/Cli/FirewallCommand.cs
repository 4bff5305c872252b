using System.CommandLine;
using Appliance.Host.Configuration;
using Appliance.PacketFilter.Firewall;

namespace Appliance.Host.Cli;

/// <summary>
/// <c>appliance firewall print|apply|remove</c>: the packet filter's kernel ruleset (DESIGN §3), generated from the
/// packetFilter section and the overrides. <c>print</c> shows exactly what <c>apply</c> installs and in which form;
/// <c>apply</c> touches only the product's own chains (or table) and is idempotent; <c>remove</c> takes them out.
/// Exit codes: 0 ok, 2 bad usage or configuration, 1 a tool failed (its message is printed).
/// </summary>
public static class FirewallCommand
{
    public static Command Create()
    {
        var firewall = new Command("firewall", "The packet filter's kernel ruleset: DNS redirect, DoT/QUIC/DoH rejects, the NFQUEUE rules");
        firewall.Subcommands.Add(Print());
        firewall.Subcommands.Add(Apply());
        firewall.Subcommands.Add(Remove());
        return firewall;
    }

    private static Command Print()
    {
        var options = new FirewallOptionsCli();
        var command = new Command("print", "Print the ruleset apply would install, which form (iptables-nft or native nft) and why");
        options.AddTo(command);
        command.SetAction((parse, cancel) => Run(async () =>
        {
            var plan = await options.PlanAsync(parse, cancel);
            Console.Write(plan.Render());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Apply()
    {
        var options = new FirewallOptionsCli();
        var command = new Command("apply", "Install the ruleset: only the product's own chains (SCHOOLGW-*) or table (inet schoolgw); a second apply changes nothing");
        options.AddTo(command);
        command.SetAction((parse, cancel) => Run(async () =>
        {
            var (settings, plan) = await options.ResolveAsync(parse, cancel);
            Console.WriteLine($"mode {FirewallPlan.ModeName(plan.Options.Mode)}, form {(plan.Form == RulesetForm.Nft ? "native nft" : "iptables-nft")} ({plan.FormReason})");
            var lines = await new FirewallInstaller(new ProcessToolRunner()).ApplyAsync(plan, cancel);
            foreach (var line in lines)
            {
                Console.WriteLine(line);
            }

            Audit(settings, "firewall.applied", FirewallPlan.ModeName(plan.Options.Mode), plan.Render(), lines);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Remove()
    {
        var options = new FirewallOptionsCli();
        var command = new Command("remove", "Remove the product's chains and table, leaving every other rule as it is; a no-op when none are installed");
        options.AddTo(command);
        command.SetAction((parse, cancel) => Run(async () =>
        {
            var settings = options.Settings(parse);
            var lines = await new FirewallInstaller(new ProcessToolRunner()).RemoveAsync(cancel);
            foreach (var line in lines)
            {
                Console.WriteLine(line);
            }

            Audit(settings, "firewall.removed", "all", "", lines);
            return ExitCodes.Ok;
        }));
        return command;
    }

    // Every change to the box's ruleset is in the audit log (who ran it, the ruleset's SHA-256, what changed), like a
    // policy change: the firewall decides what the school can reach as much as the policy does.
    private static void Audit(ApplianceSettings settings, string action, string subject, string ruleset, IReadOnlyList<string> changes)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ruleset)));
        try
        {
            Directory.CreateDirectory(settings.DataDir);
            using var audit = Hosting.AuditSetup.Open(settings);
            audit.Append($"cli:{Environment.UserName}", action, subject,
                Appliance.Core.Events.AuditDetail.Of(("rulesetSha256", hash), ("changes", string.Join("; ", changes))));
        }
        catch (Exception ex) when (ex is ConfigException or Appliance.Journal.JournalException or IOException or UnauthorizedAccessException)
        {
            throw new FirewallException($"the ruleset was changed, but the audit log could not record it: {ex.Message}", ex);
        }
    }

    private static async Task<int> Run(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is ConfigException or ArgumentException)
        {
            Console.Error.WriteLine($"appliance: {ex.Message}");
            return ExitCodes.BadUsage;
        }
        catch (FirewallException ex)
        {
            Console.Error.WriteLine($"appliance: {ex.Message}");
            return ExitCodes.RuntimeFailure;
        }
    }

    /// <summary>The configuration file and the overrides print and apply share.</summary>
    private sealed class FirewallOptionsCli
    {
        private readonly Option<FileInfo?> _config = new("--config") { Description = "JSON configuration file (its packetFilter section); without it the embedded local default (packet filter off)", HelpName = "FILE" };
        private readonly Option<string?> _mode = new("--mode") { Description = "Replaces packetFilter.mode: off, bridge, router, dns-only or monitor", HelpName = "MODE" };
        private readonly Option<string[]> _lan = new("--lan") { Description = "Replaces packetFilter.lan: a school-side interface (router: a LAN NIC; bridge: the bridge, e.g. br0); repeatable", HelpName = "IFACE" };
        private readonly Option<int?> _resolverPort = new("--resolver-port") { Description = "Replaces packetFilter.resolverPort: where LAN DNS is redirected (the resolver must listen on 0.0.0.0/[::] there)", HelpName = "PORT" };
        private readonly Option<string?> _queues = new("--queues") { Description = "Replaces packetFilter.queues: NFQUEUE numbers FIRST:COUNT, e.g. 0:4 for queues 0 to 3", HelpName = "FIRST:COUNT" };
        private readonly Option<bool> _noIpv6 = new("--no-ipv6") { Description = "No IPv6 rules (and remove ours from ip6tables)" };
        private readonly Option<string?> _dataDir = new("--data-dir") { Description = "Replaces dataDir: where the audit log that records the change is", HelpName = "DIR" };
        private readonly Option<string> _form = new("--form") { Description = "auto (native nft when the kernel has nft's queue expression, else iptables-nft), iptables or nft", HelpName = "FORM", DefaultValueFactory = _ => "auto" };

        public FirewallOptionsCli() => _form.AcceptOnlyFromAmong("auto", "iptables", "nft");

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { _config, _mode, _lan, _resolverPort, _queues, _noIpv6, _dataDir, _form })
            {
                command.Options.Add(option);
            }
        }

        /// <exception cref="ConfigException">The file or an override is wrong.</exception>
        public async Task<FirewallPlan> PlanAsync(ParseResult parse, CancellationToken cancel) => (await ResolveAsync(parse, cancel)).Plan;

        /// <exception cref="ConfigException">The file or an override is wrong.</exception>
        public async Task<(ApplianceSettings Settings, FirewallPlan Plan)> ResolveAsync(ParseResult parse, CancellationToken cancel)
        {
            var settings = Settings(parse);
            RulesetForm? form = parse.GetValue(_form) switch
            {
                "iptables" => RulesetForm.Iptables,
                "nft" => RulesetForm.Nft,
                _ => null,
            };
            return (settings, await FirewallPlan.CreateAsync(settings.PacketFilter.ToFirewallOptions(), new ProcessToolRunner(), form, cancel));
        }

        /// <exception cref="ConfigException">The file or an override is wrong.</exception>
        public ApplianceSettings Settings(ParseResult parse)
        {
            var file = parse.GetValue(_config);
            var config = file is null ? null : ConfigLoader.Load(file.FullName);
            var overrides = new CliOverrides
            {
                PacketFilterMode = parse.GetValue(_mode),
                Lan = parse.GetValue(_lan) ?? [],
                ResolverPort = parse.GetValue(_resolverPort),
                Queues = parse.GetValue(_queues),
                NoIpv6 = parse.GetValue(_noIpv6),
                DataDir = parse.GetValue(_dataDir),
            };
            return SettingsBuilder.Build(config, file?.FullName ?? "local default", overrides);
        }
    }
}
