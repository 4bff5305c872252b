using System.Text.Json;
using System.Text.Json.Nodes;
using Appliance.Host.Configuration;
using Appliance.WebUI.Settings;

namespace Appliance.Host.Hosting;

/// <summary>
/// The Settings page's view of the running settings (each with its source: command line &gt; the LA's settings &gt; the
/// file &gt; the local default) and its edits: the file is changed key by key, checked with the same ConfigLoader and
/// SettingsBuilder (and the LA's rules) as a start, written atomically with the old file kept as <c>.previous</c>, and
/// taken by the in-process restart the LA's settings use.
/// </summary>
internal sealed class SettingsSource(ApplianceSettings settings, IServiceProvider services, FleetService? fleet = null) : ISettingsSource
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private string? File => settings.Inputs?.File is null ? null : settings.ConfigSource;

    public SettingsView Read()
    {
        var file = settings.Inputs?.File is { } f ? JsonSerializer.SerializeToNode(f, ConfigJsonContext.Default.ApplianceConfig) : null;
        var la = settings.LaConfigApplied ? LaOverlay() : null;
        var cli = settings.Inputs?.Overrides ?? new CliOverrides();
        string From(string path, bool onCommandLine = false) =>
            onCommandLine ? "command line" : Has(la, path) ? $"LA settings ({LaFile})" : Has(file, path) ? File! : "local default";

        var journal = settings.Journal;
        var rows = new List<SettingRow>
        {
            new("Network", "packetFilter", settings.PacketFilter.Describe(), From("packetFilter", cli.PacketFilterMode is not null || cli.Lan.Count > 0)),
            new("DNS", "dns.listen", string.Join(", ", settings.Dns.Listen), From("dns.listen", cli.DnsListen.Count > 0)),
            new("DNS", "dns.upstreams", string.Join(", ", settings.Dns.Upstreams),
                cli.Upstreams.Count > 0 ? "command line" : Has(la, "dns.upstreams") || Has(file, "dns.upstreams") ? From("dns.upstreams") : "local default (the system's resolvers)"),
        };
        rows.AddRange(settings.Blocks.Select(b => new SettingRow("Lists", "filtering.lists", b.Path + (b.Category is { } c ? $" [{Appliance.Core.Lists.Categories.Name(c)}]" : ""),
            cli.Blocks.Count > 0 ? "command line or file" : From("filtering.lists"))));
        rows.AddRange(settings.Managed.Select(m => new SettingRow("Lists", IsStatutory(m) ? "filtering.statutoryLists" : "filtering.lists",
            $"{SettingsForm.Redact(m.Source)} [{Appliance.Core.Lists.Categories.Name(m.Category)}]", From(IsStatutory(m) ? "filtering.statutoryLists" : "filtering.lists"))));
        rows.Add(new("Lists", "filtering.refreshMinutes", $"{settings.ListRefreshInterval.TotalMinutes} min", From("filtering.refreshMinutes")));
        rows.Add(settings.Fleet is { } link
            ? new("LA connection", "fleet", $"broker {link.Link.Host}:{link.Link.Port} ({(link.Link.UseTls ? "TLS" : "plain TCP")}), school {settings.Inputs?.File?.Fleet?.School ?? "?"}, "
                + (fleet is null ? "state unknown" : fleet.Link.IsConnected ? "connected" : "not connected"), From("fleet"))
            : new("LA connection", "fleet", "off (no fleet section)", From("fleet")));
        rows.Add(new("Retention", "journal.queryRetentionDays", $"{journal.QueryRetention.TotalDays} days", From("journal.queryRetentionDays")));
        rows.Add(new("Retention", "journal.blockRetentionDays", $"{journal.BlockRetention.TotalDays} days", From("journal.blockRetentionDays")));
        rows.Add(new("Retention", "journal.auditRetentionDays", $"{journal.AuditRetention.TotalDays} days", From("journal.auditRetentionDays")));
        rows.Add(new("Web", "web.listen", $"http://{settings.WebListen}", From("web.listen", cli.WebListen is not null)));
        rows.Add(new("Web", "web.https", settings.WebHttps is { } https ? $"https://{https.Listen} ({(https.CertificateFile is null ? "the box's own certificate" : https.CertificateFile)})" : "off (HTTP only)", From("web.https")));
        rows.Add(new("RADIUS", "radius.enabled", settings.Radius.Enabled ? "on" : "off", From("radius.enabled")));
        var lessons = settings.Lessons;
        rows.Add(new("Lessons", "lessons.enabled", lessons.Enabled ? "on" : "off", From("lessons.enabled")));
        rows.Add(new("Lessons", "lessons.mirrorHostName", lessons.MirrorHostName is { } mirror ? $"{mirror} → {lessons.MirrorAddress}" : "none (the mirror is at /mirror/ on the web UI's address)", From("lessons.mirrorHostName")));
        rows.Add(new("Lessons", "lessons.prefetchLeadHours", $"{lessons.PrefetchLead.TotalHours} h before each lesson", From("lessons.prefetchLeadHours")));
        rows.Add(new("Lessons", "lessons.quotaMb", $"{lessons.QuotaBytes >> 20} MB in all, {lessons.LessonBytes >> 20} MB a lesson, {lessons.ResourceBytes >> 20} MB a file", From("lessons.quotaMb")));
        rows.Add(new("Lessons", "lessons.keepDays", $"{lessons.KeepAfter.TotalDays} days after a lesson's last time", From("lessons.keepDays")));

        var locked = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in (string[])["dns.upstreams", "journal.queryRetentionDays", "journal.blockRetentionDays", "journal.auditRetentionDays"])
        {
            if (field == "dns.upstreams" && cli.Upstreams.Count > 0)
            {
                locked[field] = "set on the command line (--upstream), which wins over the file";
            }
            else if (Has(la, field))
            {
                locked[field] = $"set by the Local Authority ({LaFile}) for this school";
            }
        }

        return new SettingsView(File, settings.LaConfigApplied ? LaFile : null, settings.LaConfigProblem, rows,
            new EditableSettings([.. (settings.Inputs?.File?.Dns?.Upstreams is { } own && !Has(la, "dns.upstreams") ? own.Select(Text) : settings.Dns.Upstreams.Select(u => u.ToString()!))],
                (int)journal.QueryRetention.TotalDays, (int)journal.BlockRetention.TotalDays, (int)journal.AuditRetention.TotalDays),
            locked);
    }

    public IReadOnlyList<FieldProblem> Apply(SettingsEdit edit)
    {
        if (File is not { } path || settings.Inputs is not { } inputs)
        {
            return [new FieldProblem("settings", "the box runs on the embedded local default; there is no configuration file to change")];
        }

        JsonObject root;
        try
        {
            root = JsonNode.Parse(System.IO.File.ReadAllText(path), documentOptions: Lenient)!.AsObject();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            return [new FieldProblem("settings", $"{path} cannot be read as it is: {ex.Message}")];
        }

        if (edit.Upstreams is { } upstreams)
        {
            Section(root, "dns")["upstreams"] = new JsonArray([.. upstreams.Select(Upstream)]);
        }

        foreach (var (name, days) in new[] { ("queryRetentionDays", edit.QueryRetentionDays), ("blockRetentionDays", edit.BlockRetentionDays), ("auditRetentionDays", edit.AuditRetentionDays) })
        {
            if (days is { } d)
            {
                Section(root, "journal")[name] = d;
            }
        }

        var text = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var problems = Check(text, inputs);
        if (problems.Count > 0)
        {
            return problems;
        }

        System.IO.File.Copy(path, path + ".previous", overwrite: true);
        Appliance.Core.IO.DurableFile.Replace(path, System.Text.Encoding.UTF8.GetBytes(text + "\n"));
        return [];
    }

    public void Restart(string reason) => (services.GetService(typeof(HostRestart)) as HostRestart)?.Request(reason);

    // The same checks as a start: the file read strictly, the settings built, and the LA's settings held to the new file.
    private IReadOnlyList<FieldProblem> Check(string text, ConfigInputs inputs)
    {
        try
        {
            var config = ConfigLoader.Parse(text, inputs.Source);
            SettingsBuilder.Build(config, inputs.Source, inputs.Overrides);
            if (LaOverlay() is { } overlay && settings.LaConfigApplied)
            {
                using var doc = JsonDocument.Parse(overlay.ToJsonString());
                LaConfig.Build(doc.RootElement, inputs with { File = config });
            }

            return [];
        }
        catch (ConfigException ex)
        {
            return [.. ex.Message.Split(Environment.NewLine).Select(Named)];
        }
    }

    // "appliance.json: dns.upstreams[0].address: 'x' is not ADDR:PORT" → the field and the problem.
    internal static FieldProblem Named(string line)
    {
        var parts = line.Split(": ", 3);
        return parts.Length == 3 ? new FieldProblem(parts[1], parts[2]) : new FieldProblem("settings", line);
    }

    private static JsonObject Section(JsonObject root, string name)
    {
        if (root[name] is not JsonObject section)
        {
            root[name] = section = [];
        }

        return section;
    }

    // The form's text as the file's object: ADDR:PORT, or tls://ADDR:PORT#NAME (the command line's --upstream form).
    private static JsonObject Upstream(string text)
    {
        if (text.StartsWith("tls://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = text[6..];
            var hash = rest.IndexOf('#', StringComparison.Ordinal);
            return hash < 0 ? new JsonObject { ["address"] = rest, ["tls"] = true } : new JsonObject { ["address"] = rest[..hash], ["tls"] = true, ["tlsName"] = rest[(hash + 1)..] };
        }

        return new JsonObject { ["address"] = text };
    }

    private static string Text(UpstreamConfig u) => u.Tls == true ? $"tls://{u.Address}#{u.TlsName}" : u.Address ?? "";

    private static bool IsStatutory(Appliance.Policy.Lists.ListSourceOptions list) =>
        list.Category is Appliance.Core.Lists.Category.StatutoryIwf or Appliance.Core.Lists.Category.StatutoryTerrorism;

    private string LaFile => Path.Combine(settings.DataDir, LaConfig.FileName);

    private JsonNode? LaOverlay()
    {
        try
        {
            return LaConfig.Read(settings.DataDir) is { } text ? JsonNode.Parse(text, documentOptions: Lenient) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    // Whether the JSON sets the dotted path (or an object above it that the LA replaced whole).
    private static bool Has(JsonNode? node, string path)
    {
        foreach (var name in path.Split('.'))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(name, out node) || node is null)
            {
                return false;
            }
        }

        return true;
    }
}
