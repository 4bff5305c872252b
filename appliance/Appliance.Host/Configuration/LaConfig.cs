using System.Text.Json;
using System.Text.Json.Nodes;

namespace Appliance.Host.Configuration;

/// <summary>
/// The settings the Local Authority sets through desired state (its <c>config</c> part), kept in
/// DATA_DIR/la-config.json and layered over the configuration file, under the command line: embedded default &lt;
/// file &lt; LA &lt; command line. The LA may set only what an LA runs for its schools (upstreams, cache, retention,
/// alert rules, what is sent to it); the rest stays with the box's own file: where it keeps its data, what it listens
/// on (the school's network), and the LA link itself, since a wrong broker, password or key pushed remotely would cut
/// the box off for good. Lists and the policy have their own parts.
/// </summary>
public static class LaConfig
{
    public const string FileName = "la-config.json";

    /// <summary>
    /// What the LA may set: these paths and everything under them, except any setting that names a file on the box
    /// (<c>…File</c>): the box would read it and could be made to send it somewhere (a password file as an SMTP
    /// password to the LA's chosen server). The mail server, its credentials and who gets the DSL's e-mail (which
    /// names pupils) stay with the school's own file; the pseudonymised groups may only grow (<see cref="Check"/>).
    /// </summary>
    public static readonly IReadOnlyList<string> Allowed =
    [
        "dns.upstreams", "dns.cache", "dns.rateLimit", "dns.upstreamTimeoutMs", "dns.resolveTimeoutMs", "dns.maxInFlight", "dns.maxInFlightPerClient",
        "journal", "alerts.rules", "alerts.maxPerDevicePerHour", "filtering.refreshMinutes", "filtering.maxShrinkPercent",
        "fleet.sendQueries", "fleet.pseudonymiseGroups", "fleet.outboxBudgetMb", "fleet.resendAfterMinutes",
    ];

    /// <summary>The paths in <paramref name="overlay"/> the LA may not set, each named; empty when all are allowed.</summary>
    public static List<string> Refused(JsonElement overlay)
    {
        var errors = new List<string>();
        if (overlay.ValueKind != JsonValueKind.Object)
        {
            errors.Add("an object of settings expected (or null to drop the LA's settings)");
            return errors;
        }

        Walk(overlay, "", errors);
        return errors;
    }

    private static void Walk(JsonElement obj, string at, List<string> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            var path = at.Length == 0 ? property.Name : $"{at}.{property.Name}";
            if (!seen.Add(property.Name))
            {
                errors.Add($"{path}: is given twice");
                continue;
            }

            if (Allowed.Any(a => a == path || path.StartsWith(a + ".", StringComparison.Ordinal)))
            {
                errors.AddRange(NamedFiles(property.Value, path));
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Object && Allowed.Any(a => a.StartsWith(path + ".", StringComparison.Ordinal)))
            {
                Walk(property.Value, path, errors);
                continue;
            }

            errors.Add($"{path}: is set on the box itself, not by the LA (the LA may set {string.Join(", ", Allowed)})");
        }
    }

    // Anything below an allowed path that names a file on the box, or a key given twice (which one would win?).
    private static IEnumerable<string> NamedFiles(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in value.EnumerateObject())
            {
                var inner = $"{path}.{p.Name}";
                if (!seen.Add(p.Name))
                {
                    yield return $"{inner}: is given twice";
                }
                else if (p.Name.EndsWith("File", StringComparison.OrdinalIgnoreCase))
                {
                    yield return $"{inner}: names a file on the box; only the box's own configuration may";
                }
                else
                {
                    foreach (var e in NamedFiles(p.Value, inner))
                    {
                        yield return e;
                    }
                }
            }
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                foreach (var e in NamedFiles(item, $"{path}[{i++}]"))
                {
                    yield return e;
                }
            }
        }
    }

    /// <summary>The file's configuration with the LA's settings over it: objects merged key by key, anything else replaced, null removing the key (back to the embedded default).</summary>
    /// <exception cref="ConfigException">The merged settings do not read as a configuration (a wrong type, an unknown key); named.</exception>
    public static ApplianceConfig Merge(ApplianceConfig? local, JsonElement overlay, string source)
    {
        var merged = JsonSerializer.SerializeToNode(local ?? new ApplianceConfig(), ConfigJsonContext.Default.ApplianceConfig)!.AsObject();
        MergeInto(merged, JsonObject.Create(overlay)!);
        return ConfigLoader.Parse(merged.ToJsonString(), source);
    }

    private static void MergeInto(JsonObject target, JsonObject overlay)
    {
        foreach (var (name, value) in overlay.ToList())
        {
            if (value is JsonObject inner && target[name] is JsonObject existing)
            {
                MergeInto(existing, inner);
            }
            else if (value is null)
            {
                target.Remove(name);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }

    /// <summary>The problems with taking <paramref name="overlay"/> (refused paths, then every setting the merged result gets wrong); empty when it would run.</summary>
    public static List<string> Check(JsonElement overlay, ConfigInputs inputs)
    {
        try
        {
            Build(overlay, inputs);
            return [];
        }
        catch (ConfigException ex)
        {
            return [.. ex.Message.Split(Environment.NewLine)];
        }
    }

    /// <summary>
    /// The settings the box runs with the LA's over its own: the one check for a push (<see cref="Check"/>) and for a
    /// start with saved settings, so a file changed since the push is held to the same rules.
    /// </summary>
    /// <exception cref="ConfigException">Refused paths, groups taken out of pseudonymisation, or settings that would not run; every problem named.</exception>
    public static ApplianceSettings Build(JsonElement overlay, ConfigInputs inputs)
    {
        var errors = Refused(overlay);
        if (errors.Count > 0)
        {
            throw new ConfigException(string.Join(Environment.NewLine, errors));
        }

        ApplianceConfig merged;
        try
        {
            merged = Merge(inputs.File, overlay, Source(inputs));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or JsonException)
        {
            throw new ConfigException($"not a configuration: {ex.Message}", ex);
        }

        // Pseudonyms protect pupils from the LA itself: the LA may add groups, never take the school's away.
        foreach (var (field, mine, theirs) in new[]
        {
            ("journal.pseudonymiseGroups", inputs.File?.Journal?.PseudonymiseGroups, merged.Journal?.PseudonymiseGroups),
            ("fleet.pseudonymiseGroups", inputs.File?.Fleet?.PseudonymiseGroups, merged.Fleet?.PseudonymiseGroups),
        })
        {
            foreach (var group in (mine ?? []).Except(theirs ?? [], StringComparer.Ordinal))
            {
                errors.Add($"{field}: would stop pseudonymising '{group}', which the school's own configuration protects; the LA may only add groups");
            }
        }

        return errors.Count > 0
            ? throw new ConfigException(string.Join(Environment.NewLine, errors))
            : SettingsBuilder.Build(merged, Source(inputs), inputs.Overrides) with { LaConfigApplied = true };
    }

    public static string Source(ConfigInputs inputs) => $"{inputs.Source} with the LA's settings";

    /// <summary>The saved settings' text, or null when the LA has set none.</summary>
    public static string? Read(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>Why the last settings the LA sent were set aside, or null.</summary>
    public static string? SetAsideReason(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName + ".failed.txt");
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>Moves the LA's settings out of the way (kept as la-config.json.failed) with the reason, so the box runs on its own file.</summary>
    public static void SetAside(string dataDir, string reason)
    {
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            File.Move(path, path + ".failed", overwrite: true);
        }

        Appliance.Core.IO.DurableFile.Replace(path + ".failed.txt", System.Text.Encoding.UTF8.GetBytes(reason));
    }

    /// <summary>Puts set-aside settings back (they were not what kept the box from starting).</summary>
    public static void Restore(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path + ".failed") && !File.Exists(path))
        {
            File.Move(path + ".failed", path);
        }

        File.Delete(path + ".failed.txt");
    }

    /// <summary>Saves the settings (null removes them) so a power cut leaves either the old file or the new one, never half of one.</summary>
    public static void Save(string dataDir, JsonElement? overlay)
    {
        var path = Path.Combine(dataDir, FileName);
        File.Delete(path + ".failed.txt");   // new settings: an old failure is history (the audit log keeps it)
        if (overlay is null)
        {
            File.Delete(path);
            return;
        }

        Appliance.Core.IO.DurableFile.Replace(path, System.Text.Encoding.UTF8.GetBytes(overlay.Value.GetRawText()));
    }
}

/// <summary>What the settings were built from, kept so that the LA's settings can be checked against them at run time.</summary>
public sealed record ConfigInputs(ApplianceConfig? File, string Source, CliOverrides Overrides);
