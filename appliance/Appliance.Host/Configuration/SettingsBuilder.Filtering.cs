using Appliance.Core.Lists;
using Appliance.Policy.Lists;

namespace Appliance.Host.Configuration;

/// <summary>The filtering and journal parts of the settings: lists (loaded as they are, or managed), statutory lists, retention.</summary>
public sealed partial class SettingsBuilder
{
    // Everything but the DNS and web settings, which the caller fills in.
    private ApplianceSettings Filtering(ApplianceConfig config, CliOverrides cli)
    {
        var blocks = new List<ListSources.Source>();
        foreach (var text in cli.Blocks)
        {
            if (!ListSources.Source.TryParse(text, out var source, out var problem))
            {
                Error("--block", problem);
            }
            else if (!File.Exists(source.Path) && !Directory.Exists(source.Path))
            {
                Error("--block", $"'{source.Path}' does not exist");
            }
            else
            {
                blocks.Add(source);
            }
        }

        var filtering = config.Filtering ?? new FilteringConfig();
        var managed = new List<ListSourceOptions>();
        var lists = filtering.Lists ?? [];
        for (var i = 0; i < lists.Count; i++)
        {
            var at = $"filtering.lists[{i}]";
            Category? category = null;
            if (lists[i].Category is { } name)
            {
                if (Categories.TryParse(name, out var c) && (Categories.Bit(c) & Categories.Locked) == 0)
                {
                    category = c;
                }
                else
                {
                    Error($"{at}.category", $"'{name}' is not a category (statutory lists go in filtering.statutoryLists)");
                    continue;
                }
            }

            var source = lists[i].Source;
            if (IsUrl(source) || (source is not null && File.Exists(source) && !DomainSetFile.IsCompiled(source)))
            {
                var inferred = category ?? InferCategory(source!);
                if (inferred is null)
                {
                    Error($"{at}.category", $"is needed: the category of '{source}' cannot be told from its name");
                }
                else if (ManagedOptions(lists[i], inferred.Value, at) is { } listOptions)
                {
                    managed.Add(listOptions);
                }
            }
            else if (ExistingPath(source, $"{at}.source") is { } path)
            {
                blocks.Add(new ListSources.Source(path, category));   // a folder or a compiled list: loaded as it is
            }
        }

        var statutoryLists = filtering.StatutoryLists ?? [];
        for (var i = 0; i < statutoryLists.Count; i++)
        {
            var at = $"filtering.statutoryLists[{i}]";
            Category? category = statutoryLists[i].List?.ToLowerInvariant() switch
            {
                "iwf" => Category.StatutoryIwf,
                "terrorism" => Category.StatutoryTerrorism,
                _ => null,
            };
            if (category is null)
            {
                Error($"{at}.list", $"'{statutoryLists[i].List}' is not a statutory list; expected iwf or terrorism");
            }
            else if (!IsUrl(statutoryLists[i].Source) && ExistingPath(statutoryLists[i].Source, $"{at}.source") is { } path && !File.Exists(path))
            {
                Error($"{at}.source", $"'{path}' is a folder; a statutory list is one file or URL");
            }
            else if ((IsUrl(statutoryLists[i].Source) || File.Exists(statutoryLists[i].Source)) && ManagedOptions(statutoryLists[i], category.Value, at) is { } listOptions)
            {
                managed.Add(listOptions);
            }
        }

        var policyFile = filtering.PolicyFile is null ? null : ExistingPath(filtering.PolicyFile, "filtering.policyFile");
        var refresh = Range(filtering.RefreshMinutes, "filtering.refreshMinutes", 1, 7 * 24 * 60, 240);
        var shrink = Range(filtering.MaxShrinkPercent, "filtering.maxShrinkPercent", 1, 100, 50);
        var journal = config.Journal ?? new JournalConfig();
        var queryDays = Range(journal.QueryRetentionDays, "journal.queryRetentionDays", 1, 3_650, 30);
        var blockDays = Range(journal.BlockRetentionDays, "journal.blockRetentionDays", 1, 3_650, 365);
        var auditDays = Range(journal.AuditRetentionDays, "journal.auditRetentionDays", 365, 36_500, 7 * 365);
        if (blockDays < queryDays)
        {
            Error("journal.blockRetentionDays", $"({blockDays}) is shorter than journal.queryRetentionDays ({queryDays}); blocks are the record kept longer");
        }

        return new ApplianceSettings(ApplianceSettings.DefaultDataDir, new Appliance.Dns.DnsServerOptions(), ApplianceSettings.DefaultWebListen)
        {
            Blocks = blocks,
            Managed = managed,
            PolicyFile = policyFile,
            ListRefreshInterval = TimeSpan.FromMinutes(refresh),
            ListMaxShrink = shrink / 100.0,
            Journal = new Appliance.Journal.JournalOptions
            {
                QueryRetention = TimeSpan.FromDays(queryDays),
                BlockRetention = TimeSpan.FromDays(blockDays),
                AuditRetention = TimeSpan.FromDays(auditDays),
                PseudonymiseGroups = journal.PseudonymiseGroups ?? [],
            },
        };
    }

    private static bool IsUrl(string? source)
        => source is not null && (source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            && Uri.TryCreate(source, UriKind.Absolute, out _);

    private static Category? InferCategory(string source)
    {
        var name = IsUrl(source) ? Path.GetFileNameWithoutExtension(new Uri(source).AbsolutePath) : Path.GetFileNameWithoutExtension(source);
        return Categories.TryFromListName(name, out var category) ? category : null;
    }

    private ListSourceOptions? ManagedOptions(ListSourceConfig config, Category category, string at)
    {
        string? pem = null;
        if (config.SignatureUrl is not null)
        {
            if (ExistingPath(config.PublicKeyFile, $"{at}.publicKeyFile") is not { } keyFile)
            {
                return null;
            }

            pem = File.ReadAllText(keyFile);
            try
            {
                using var key = System.Security.Cryptography.ECDsa.Create();
                key.ImportFromPem(pem);
            }
            catch (Exception ex) when (ex is ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                Error($"{at}.publicKeyFile", $"'{keyFile}' is not a PEM ECDSA public key: {ex.Message}");
                return null;
            }
        }

        if (config.Sha256 is { } sha && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit)))
        {
            Error($"{at}.sha256", "must be 64 hex digits");
            return null;
        }

        return new ListSourceOptions
        {
            Source = config.Source!,
            Category = category,
            Sha256 = config.Sha256,
            Sha256Url = config.Sha256Url,
            SignatureUrl = config.SignatureUrl,
            PublicKeyPem = pem,
            MaxBytes = config.MaxBytes is { } max ? Math.Max(1, max) : 64L * 1024 * 1024,
        };
    }
}
