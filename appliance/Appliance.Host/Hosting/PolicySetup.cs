using System.Text.Json;
using Appliance.Core.Policy;
using Appliance.Host.Configuration;
using Appliance.Policy;
using Appliance.Policy.Lists;

namespace Appliance.Host.Hosting;

/// <summary>
/// Puts the policy together at start-up, for <c>run</c> and for the <c>policy</c> commands alike: the lists from
/// the settings, the policy store in the data directory (seeded on a new box from <c>filtering.policyFile</c> or
/// the built-in default), and the box's key for redacting statutory names in logs.
/// </summary>
public static class PolicySetup
{
    public const string StoreFile = "policy.db";
    public const string RedactionKeyFile = "statutory-log.key";
    public const string ListCacheDirectory = "lists";

    /// <summary>
    /// The list refresher over the settings' managed lists; their last good copies live in the data directory.
    /// </summary>
    public static ListRefresher Refresher(ApplianceSettings settings, HttpClient http)
    {
        var refresher = new ListRefresher(settings.Managed, Path.Combine(settings.DataDir, ListCacheDirectory), http, TimeProvider.System, settings.ListMaxShrink);
        refresher.SetExtraSources(LaLists.Load(settings.DataDir, settings.Fleet?.CommandKeyPem));   // what the LA pointed the box at before
        return refresher;
    }

    /// <summary>
    /// Re-reads the local list files (no network: start-up must not wait for it; URLs are fetched right after),
    /// loads every list and the stored policy, and puts them in <paramref name="engine"/>.
    /// </summary>
    /// <exception cref="ConfigException">A list, the seed file or the stored policy is unusable; the message says which and why.</exception>
    public static async Task<PolicyChangeService> StartAsync(ApplianceSettings settings, ListRefresher refresher, PolicyEngine engine, ILogger logger,
        Appliance.Core.Events.IAuditSink? audit = null)
    {
        ListRefreshService.Report(logger, await refresher.RefreshAsync(localOnly: true, CancellationToken.None));
        var lists = PolicyLoader.Load(settings, refresher, logger);
        var (seed, seedSource) = Seed(settings);
        PolicyStore? store = null;
        try
        {
            store = OpenStore(settings);
            return PolicyChangeService.Start(store, engine, lists, seed, seedSource, logger, audit);
        }
        catch (PolicyException ex)
        {
            store?.Dispose();
            throw new ConfigException($"policy: {ex.Message}", ex);
        }
        catch (PolicyStoreException ex)
        {
            store?.Dispose();
            throw new ConfigException(ex.Message, ex);
        }
    }

    /// <exception cref="ConfigException">The store cannot be opened.</exception>
    public static PolicyStore OpenStore(ApplianceSettings settings)
    {
        try
        {
            return PolicyStore.Open(Path.Combine(settings.DataDir, StoreFile));
        }
        catch (PolicyStoreException ex)
        {
            throw new ConfigException(ex.Message, ex);
        }
    }

    /// <summary>Reads a policy document, with errors that name the file, the line and the field.</summary>
    /// <exception cref="ConfigException">The file is missing or is not a policy document.</exception>
    public static PolicyDocument ReadDocument(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, PolicyJsonContext.Default.PolicyDocument)
                ?? throw new ConfigException($"{path}: the file holds null, not a policy document");
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}{(ex.Path is { Length: > 0 } p ? $", {p}" : "")})" : "";
            throw new ConfigException($"{path}: not a valid policy document{where}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>The box's redaction key, made on first use (32 random bytes, readable by the service only).</summary>
    public static byte[] RedactionKey(string dataDir) => SecretKey(dataDir, RedactionKeyFile);

    /// <summary>A 32-byte secret in the data directory, made on first use, readable by the service only.</summary>
    public static byte[] SecretKey(string dataDir, string file)
    {
        var path = Path.Combine(dataDir, file);
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.Length == 32)
            {
                return existing;
            }

            throw new ConfigException($"{path}: is {existing.Length} bytes, not a 32-byte key; restore it from backup (or delete it to start a new one, after which earlier hashes cannot be matched)");
        }

        var key = StatutoryRedaction.NewKey();
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(key);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: false);
        return key;
    }

    private static (PolicyDocument Document, string Source) Seed(ApplianceSettings settings)
        => settings.PolicyFile is { } file ? (ReadDocument(file), file) : (PolicyCompiler.DefaultDocument, "the built-in default");
}
