using System.Text.Json;
using Appliance.Host.Configuration;
using Appliance.Host.Hosting;
using Appliance.WebUI.Settings;

namespace Appliance.Host.Tests.Hosting;

/// <summary>The Settings page's host side: sources and LA locks, edits checked like a start, written atomically with the old file kept.</summary>
public sealed class SettingsSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("settings-source-").FullName;

    private string File => Path.Combine(_dir, "appliance.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private SettingsSource Source(string fileText, string? laText = null)
    {
        System.IO.File.WriteAllText(File, fileText);
        var config = ConfigLoader.Load(File);
        var inputs = new ConfigInputs(config, "appliance.json", new CliOverrides { DataDir = _dir });
        var settings = SettingsBuilder.Build(config, inputs.Source, inputs.Overrides);
        if (laText is not null)
        {
            System.IO.File.WriteAllText(Path.Combine(_dir, LaConfig.FileName), laText);
            using var overlay = JsonDocument.Parse(laText);
            settings = LaConfig.Build(overlay.RootElement, inputs);
        }

        return new SettingsSource(settings with { ConfigSource = File, Inputs = inputs }, new NoServices());
    }

    [Fact]
    public void Each_setting_names_its_source_and_what_the_LA_sets_is_locked()
    {
        var view = Source("""{ "dns": { "upstreams": [ { "address": "192.0.2.1:53" } ] }, "journal": { "queryRetentionDays": 30 } }""",
            """{ "journal": { "blockRetentionDays": 60 } }""").Read();
        Assert.Equal(File, view.ConfigFile);
        Assert.Equal(File, view.Rows.Single(r => r.Name == "dns.upstreams").Source);
        Assert.Equal(File, view.Rows.Single(r => r.Name == "journal.queryRetentionDays").Source);
        Assert.Contains(LaConfig.FileName, view.Rows.Single(r => r.Name == "journal.blockRetentionDays").Source, StringComparison.Ordinal);
        Assert.Equal("local default", view.Rows.Single(r => r.Name == "journal.auditRetentionDays").Source);
        Assert.Equal("local default", view.Rows.Single(r => r.Name == "web.listen").Source);
        Assert.Equal(["journal.blockRetentionDays"], view.Locked.Keys);
        Assert.Equal(60, view.Editable.BlockRetentionDays);
    }

    [Fact]
    public void A_bad_edit_is_named_by_field_and_leaves_the_file_and_a_good_one_keeps_the_previous()
    {
        var original = """{ "dns": { "upstreams": [ { "address": "192.0.2.1:53" } ] } }""";
        var source = Source(original);
        var problems = source.Apply(new SettingsEdit(["192.0.2.9"], null, null, 0, "test"));
        Assert.Contains(problems, p => p.Field == "dns.upstreams[0].address");
        Assert.Contains(problems, p => p.Field == "journal.auditRetentionDays");
        Assert.Equal(original, System.IO.File.ReadAllText(File));
        Assert.False(System.IO.File.Exists(File + ".previous"));

        Assert.Empty(source.Apply(new SettingsEdit(["192.0.2.9:53", "tls://192.0.2.10:853#dns.example"], 14, null, null, "test")));
        Assert.Equal(original, System.IO.File.ReadAllText(File + ".previous"));
        var written = ConfigLoader.Load(File);
        Assert.Equal("192.0.2.9:53", written.Dns!.Upstreams![0].Address);
        Assert.Equal("dns.example", written.Dns.Upstreams[1].TlsName);
        Assert.Equal(14, written.Journal!.QueryRetentionDays);
    }

    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
