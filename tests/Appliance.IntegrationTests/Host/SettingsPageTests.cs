using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Appliance.IntegrationTests.Peers;
using Appliance.Journal.Audit;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// The technician's Settings page over real HTTP against the appliance started with a configuration file: the effective
/// settings with their sources; a bad upstream refused with its field named and the file untouched; a good change with a
/// reason written (the old file kept), audited, and in force after the in-process restart; other roles get 403.
/// </summary>
public sealed class SettingsPageTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("settings-page-").FullName;
    private ApplianceProcess _appliance = null!;

    private string ConfigFile => Path.Combine(_dataDir, "config.json");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(ConfigFile, """
            {
              // the school's own file
              "dns": { "upstreams": [ { "address": "127.0.0.1:5399" } ] },
              "journal": { "queryRetentionDays": 30 }
            }
            """);
        _appliance = await ApplianceProcess.StartAsync(["--config", ConfigFile], dataDir: _dataDir);
    }

    public Task DisposeAsync()
    {
        _appliance.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Technician_sees_sources_bad_upstream_is_refused_and_a_good_change_is_written_audited_and_restarted()
    {
        using var tech = await WebSession.TechnicianAsync(_appliance);
        var page = await tech.Http.GetStringAsync("/settings");
        Assert.Contains("<h1>Settings</h1>", page, StringComparison.Ordinal);
        Assert.Contains($"<td><code>dns.upstreams</code></td><td>127.0.0.1:5399</td><td>{ConfigFile}</td>", page, StringComparison.Ordinal);
        Assert.Contains("<td><code>journal.blockRetentionDays</code></td><td>", page, StringComparison.Ordinal);
        Assert.Contains("<td>command line</td>", page, StringComparison.Ordinal);   // web.listen and dns.listen come from the test's command line
        Assert.Contains("local default</td>", page, StringComparison.Ordinal);

        var api = await tech.Http.GetFromJsonAsync<JsonElement>("/api/settings");
        Assert.Equal(ConfigFile, api.GetProperty("configFile").GetString());
        Assert.Equal("127.0.0.1:5399", api.GetProperty("editable").GetProperty("upstreams")[0].GetString());
        Assert.Equal(30, api.GetProperty("editable").GetProperty("queryRetentionDays").GetInt32());

        var before = await File.ReadAllTextAsync(ConfigFile);
        var refused = await tech.PostAsync("/settings", ("upstreams", "not-an-address"), ("queryRetentionDays", "30"), ("blockRetentionDays", Days(api, "blockRetentionDays")),
            ("auditRetentionDays", Days(api, "auditRetentionDays")), ("reason", "trying"));
        Assert.Contains("role=\"alert\"", refused, StringComparison.Ordinal);
        Assert.Contains("<code>dns.upstreams[0].address</code>", refused, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(ConfigFile));
        Assert.False(File.Exists(ConfigFile + ".previous"));

        var noReason = await tech.PostAsync("/settings", ("upstreams", "127.0.0.2:5399"), ("queryRetentionDays", "30"), ("blockRetentionDays", Days(api, "blockRetentionDays")),
            ("auditRetentionDays", Days(api, "auditRetentionDays")), ("reason", " "));
        Assert.Contains("<code>reason</code>", noReason, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(ConfigFile));

        var saved = await tech.PostAsync("/settings", ("upstreams", "127.0.0.2:5399"), ("queryRetentionDays", "14"), ("blockRetentionDays", Days(api, "blockRetentionDays")),
            ("auditRetentionDays", Days(api, "auditRetentionDays")), ("reason", "LA moved the resolvers"));
        Assert.Contains("role=\"status\"", saved, StringComparison.Ordinal);
        Assert.Contains("restarting its services", saved, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(ConfigFile + ".previous"));
        var written = await File.ReadAllTextAsync(ConfigFile);
        Assert.Contains("127.0.0.2:5399", written, StringComparison.Ordinal);
        Assert.Contains("\"queryRetentionDays\": 14", written, StringComparison.Ordinal);

        await _appliance.WaitForRestartAsync(h => h.GetProperty("upstreams").EnumerateArray().Any(u => u.GetProperty("upstream").GetString() == "127.0.0.2:5399"),
            TimeSpan.FromSeconds(60));
        Assert.Contains("appliance: restarting: settings changed in the web UI by tech", _appliance.Output, StringComparison.Ordinal);

        using (var audit = AuditLog.Open(Path.Combine(_appliance.DataDir, "audit.db")))
        {
            var entry = Assert.Single(audit.Tail(100), e => e.Action == "webui.settings.changed");
            Assert.Equal("tech", entry.Actor);
            Assert.Contains("dns.upstreams", entry.Subject, StringComparison.Ordinal);
            Assert.Contains("journal.queryRetentionDays", entry.Subject, StringComparison.Ordinal);
            Assert.Contains("LA moved the resolvers", entry.Detail, StringComparison.Ordinal);
        }

        using var again = new WebSession(_appliance);
        await again.PostAsync("/login", ("name", "tech"), ("password", WebSession.TechnicianPassword));
        var after = await again.Http.GetFromJsonAsync<JsonElement>("/api/settings");
        Assert.Equal("127.0.0.2:5399", after.GetProperty("editable").GetProperty("upstreams")[0].GetString());
        Assert.Equal(14, after.GetProperty("editable").GetProperty("queryRetentionDays").GetInt32());
    }

    [Fact]
    public async Task Other_roles_get_403_on_the_page_and_the_api()
    {
        using var tech = await WebSession.TechnicianAsync(_appliance);
        foreach (var role in new[] { "dsl", "head", "teacher", "governor" })
        {
            using var other = await tech.AddAsync(_appliance, $"{role}.one", role, "a-long-enough-password-" + role);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.Http.GetAsync("/settings")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.Http.GetAsync("/api/settings")).StatusCode);
            var token = await other.TokenAsync("/");
            var post = await other.Http.PostAsync("/settings", WebSession.Form(("upstreams", "127.0.0.9:53"), ("reason", "x"), ("__af", token)));
            Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
            Assert.DoesNotContain("href=\"/settings\"", await other.Http.GetStringAsync("/"), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("127.0.0.9", await File.ReadAllTextAsync(ConfigFile), StringComparison.Ordinal);
    }

    private static string Days(JsonElement api, string name) =>
        api.GetProperty("editable").GetProperty(name).GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
