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
        root.Subcommands.Add(UsersCommand.Create());
        root.Subcommands.Add(RadiusCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(PanelCommand.Create());
        root.Subcommands.Add(IncidentCommand.Create());
        root.Subcommands.Add(FirewallCommand.Create());
        root.Subcommands.Add(SetupCodeCommand.Create());
        return root;
    }

    /// <summary>Options shared by commands that read the configuration.</summary>
    /// <param name="writesDataDir">
    /// The command may create or open files in the data directory (SQLite makes -wal/-shm files even to read): root is
    /// then refused on a directory the service owns (<see cref="DataDirOwner"/>). Only <c>config check</c> passes false.
    /// </param>
    internal sealed class SettingsOptions(bool writesDataDir = true)
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
            var inputs = new ConfigInputs(config, file?.Name ?? "local default", overrides);
            var settings = SettingsBuilder.Build(config, inputs.Source, overrides);
            if (writesDataDir)
            {
                DataDirOwner.RequireSameUser(settings.DataDir);
            }
            var (withLa, laText) = WithLaSettings(settings, inputs);
            // What the box runs with: the file's bytes, the LA's settings and the command-line overrides (the audit log records changes of any).
            var content = (file is null ? [] : File.ReadAllBytes(file.FullName)).Concat(System.Text.Encoding.UTF8.GetBytes(string.Join('\n',
                ["--", .. overrides.DnsListen, "--", .. overrides.Upstreams, "--", overrides.DataDir ?? "", overrides.WebListen ?? "", "--", .. overrides.Blocks,
                 .. (laText is null ? Array.Empty<string>() : ["-- la", laText])]))).ToArray();
            return withLa with
            {
                ConfigSource = file?.FullName ?? "local default",
                ConfigSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)),
                Inputs = inputs,
            };
        }

        // The LA's settings (DATA_DIR/la-config.json) over the file's. They were checked when the LA pushed them; if they
        // no longer fit (the file changed since), the box runs on its own file and says why rather than not starting.
        private static (ApplianceSettings Settings, string? LaText) WithLaSettings(ApplianceSettings settings, ConfigInputs inputs)
        {
            string? text;
            try
            {
                text = LaConfig.Read(settings.DataDir);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return (settings with { LaConfigProblem = $"{LaConfig.FileName}: cannot be read: {ex.Message}" }, null);
            }

            if (text is null)
            {
                return (LaConfig.SetAsideReason(settings.DataDir) is { } reason
                    ? settings with { LaConfigProblem = $"{LaConfig.FileName}: set aside as {LaConfig.FileName}.failed: {reason}" }
                    : settings, null);
            }

            try
            {
                using var overlay = System.Text.Json.JsonDocument.Parse(text);
                return (LaConfig.Build(overlay.RootElement, inputs), text);
            }
            catch (Exception ex) when (ex is ConfigException or System.Text.Json.JsonException)
            {
                return (settings with { LaConfigProblem = $"{LaConfig.FileName}: not used: {ex.Message}" }, null);
            }
        }
    }
}
