using System.CommandLine;
using Appliance.Host.Configuration;

namespace Appliance.Host.Cli;

/// <summary><c>appliance config check</c>: validate a configuration and print what would run.</summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var config = new Command("config", "Work with the configuration file");
        var check = new Command("check", "Validate the configuration (and overrides) and print the settings that would run; exit 2 if invalid");
        var options = new CommandLine.SettingsOptions(writesDataDir: false);
        options.AddTo(check);
        check.SetAction(parse =>
        {
            try
            {
                var settings = options.Resolve(parse);
                if (settings.LaConfigApplied)
                {
                    Console.WriteLine($"with the LA's settings from {Path.Combine(settings.DataDir, LaConfig.FileName)} (over the file, under the command line)");
                }
                else if (settings.LaConfigProblem is { } problem)
                {
                    Console.WriteLine($"ALERT: the LA's settings are not used: {problem}");
                }

                Console.WriteLine($"dataDir: {settings.DataDir}");
                Console.WriteLine($"web.listen: {settings.WebListen}");
                Console.WriteLine($"dns.listen: {string.Join(", ", settings.Dns.Listen)}");
                Console.WriteLine($"dns.upstreams: {string.Join(", ", settings.Dns.Upstreams)}");
                Console.WriteLine($"dns.cache: {settings.Dns.Cache}");
                Console.WriteLine($"dns.rateLimit: {settings.Dns.RateLimit}");
                foreach (var list in settings.Blocks)
                {
                    Console.WriteLine($"filtering list (loaded as it is): {list.Path}{(list.Category is { } c ? $" [{Appliance.Core.Lists.Categories.Name(c)}]" : "")}");
                }

                foreach (var list in settings.Managed)
                {
                    var checks = string.Join(", ", new[] { list.Sha256 is null ? null : "pinned sha256", list.Sha256Url is null ? null : "published sha256",
                        list.SignatureUrl is null ? null : "signature" }.OfType<string>());
                    Console.WriteLine($"filtering list (refreshed): {list.Source} [{Appliance.Core.Lists.Categories.Name(list.Category)}]{(checks.Length > 0 ? $" checks: {checks}" : "")}");
                }

                Console.WriteLine($"filtering: refresh every {settings.ListRefreshInterval.TotalMinutes} min, refuse a shrink over {settings.ListMaxShrink:P0}; policy seed: {settings.PolicyFile ?? "built-in default"}");
                var journal = settings.Journal;
                Console.WriteLine($"journal: queries {journal.QueryRetention.TotalDays} d, blocks {journal.BlockRetention.TotalDays} d, audit {journal.AuditRetention.TotalDays} d"
                    + (journal.PseudonymiseGroups.Count > 0 ? $"; pseudonyms for {string.Join(", ", journal.PseudonymiseGroups)}" : ""));
                foreach (var rule in settings.AlertRules)
                {
                    Console.WriteLine($"alert rule {rule.Name}: {Appliance.Core.Lists.Categories.Describe(rule.Categories)}, {rule.Severity.ToString().ToLowerInvariant()}{(rule.BlockedOnly ? "" : ", allowed queries too")}");
                }

                Console.WriteLine($"alerts: at most {settings.AlertsPerDevicePerHour} per device and rule an hour; e-mail "
                    + (settings.AlertEmail is { } mail ? $"via {mail.Host}:{mail.Port} ({mail.Security.ToString().ToLowerInvariant()}) to {string.Join(", ", mail.To)}" : "off"));
                if (settings.Fleet is { } fleet)
                {
                    Console.WriteLine($"fleet: {fleet.Link.Host}:{fleet.Link.Port} {(fleet.Link.UseTls ? "TLS" : "plain TCP")}{(fleet.Link.ClientCertificateFile is null ? "" : " with a client certificate")}"
                        + $" as {fleet.Link.Topics.Prefix}; commands {(fleet.CommandKeyPem is null ? "off (no commandKeyFile)" : "signed by the LA's key")}"
                        + $"; queries {(fleet.SendQueries ? "sent" : "kept on the box")}; outbox budget {fleet.Outbox.BudgetBytes >> 20} MB"
                        + (fleet.PseudonymiseGroups.Count > 0 ? $"; pseudonyms for {string.Join(", ", fleet.PseudonymiseGroups)}" : ""));
                }
                else
                {
                    Console.WriteLine("fleet: off (no fleet section)");
                }

                Console.WriteLine($"packetFilter: {settings.PacketFilter.Describe()}");
                Console.WriteLine("configuration is valid");
                return ExitCodes.Ok;
            }
            catch (ConfigException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return ExitCodes.BadUsage;
            }
        });
        config.Subcommands.Add(check);
        return config;
    }
}
