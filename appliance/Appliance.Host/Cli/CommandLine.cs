using System.CommandLine;
using Appliance.Host.Configuration;

namespace Appliance.Host.Cli;

/// <summary>
/// The command tree. Every command has --help; the root has --version. Parse errors exit with 2 and say what
/// was wrong, like a bad configuration does.
/// </summary>
public static class CommandLine
{
    public static async Task<int> InvokeAsync(string[] args)
    {
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"appliance: {error.Message}");
            }

            await Console.Error.WriteLineAsync("Try 'appliance --help'.");
            return ExitCodes.BadUsage;
        }

        return await parse.InvokeAsync();
    }

    public static RootCommand Build()
    {
        var root = new RootCommand("School internet gateway appliance: filtering DNS resolver, identity, lesson cache, panel and fleet link.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ConfigCommand.Create());
        root.Subcommands.Add(ListsCommand.Create());
        root.Subcommands.Add(PolicyCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        return root;
    }

    /// <summary>Options shared by commands that read the configuration.</summary>
    internal sealed class SettingsOptions
    {
        public Option<FileInfo?> Config { get; } = new("--config") { Description = "JSON configuration file; without it the embedded local default is used" };

        public Option<string[]> DnsListen { get; } = new("--dns-listen") { Description = "ADDR:PORT to serve DNS on (repeatable; replaces dns.listen)", AllowMultipleArgumentsPerToken = false, HelpName = "ADDR:PORT" };

        public Option<string[]> Upstream { get; } = new("--upstream") { Description = "Upstream resolver ADDR:PORT or tls://ADDR:PORT#NAME (repeatable; replaces dns.upstreams)", HelpName = "ADDR:PORT" };

        public Option<string?> DataDir { get; } = new("--data-dir") { Description = "Directory for databases and state (replaces dataDir)", HelpName = "DIR" };

        public Option<string?> WebListen { get; } = new("--web-listen") { Description = "ADDR:PORT for the web UI and API (replaces web.listen)", HelpName = "ADDR:PORT" };

        public Option<string[]> Block { get; } = new("--block") { Description = "Block a list (text or compiled) for every client, e.g. drugs.hosts:drugs (repeatable)", HelpName = "FILE[:CATEGORY]" };

        public void AddTo(Command command)
        {
            command.Options.Add(Config);
            command.Options.Add(DnsListen);
            command.Options.Add(Upstream);
            command.Options.Add(DataDir);
            command.Options.Add(WebListen);
            command.Options.Add(Block);
        }

        /// <exception cref="ConfigException">The file or an option is wrong.</exception>
        public ApplianceSettings Resolve(ParseResult parse)
        {
            var file = parse.GetValue(Config);
            var config = file is null ? null : ConfigLoader.Load(file.FullName);
            var overrides = new CliOverrides
            {
                DnsListen = parse.GetValue(DnsListen) ?? [],
                Upstreams = parse.GetValue(Upstream) ?? [],
                DataDir = parse.GetValue(DataDir),
                WebListen = parse.GetValue(WebListen),
                Blocks = parse.GetValue(Block) ?? [],
            };
            var settings = SettingsBuilder.Build(config, file?.Name ?? "local default", overrides);
            // What the box runs with: the file's bytes and the command-line overrides (the audit log records changes of either).
            var content = (file is null ? [] : File.ReadAllBytes(file.FullName)).Concat(System.Text.Encoding.UTF8.GetBytes(string.Join('\n',
                ["--", .. overrides.DnsListen, "--", .. overrides.Upstreams, "--", overrides.DataDir ?? "", overrides.WebListen ?? "", "--", .. overrides.Blocks]))).ToArray();
            return settings with
            {
                ConfigSource = file?.FullName ?? "local default",
                ConfigSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)),
            };
        }
    }
}
