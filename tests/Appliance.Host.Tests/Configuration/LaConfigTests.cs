using System.CommandLine;
using System.Text.Json;
using Appliance.Host.Cli;
using Appliance.Host.Configuration;
using Appliance.Host.Hosting;

namespace Appliance.Host.Tests.Configuration;

/// <summary>The settings the LA pushes (desired state's <c>config</c> part): what it may set, how they layer, how they are checked and taken.</summary>
public sealed class LaConfigTests : IDisposable
{
    private const string File = """{ "dns": { "upstreams": [ { "address": "192.0.2.1:53" } ] }, "journal": { "queryRetentionDays": 30, "blockRetentionDays": 100 } }""";
    private readonly string _dir = Directory.CreateTempSubdirectory("la-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private ConfigInputs Inputs() => new(ConfigLoader.Parse(File, "school.json"), "school.json", new CliOverrides { DataDir = _dir });

    [Fact]
    public void The_LA_may_set_what_it_runs_for_its_schools_but_not_the_boxs_own_network_data_or_link()
    {
        Assert.Empty(LaConfig.Refused(Json("""
            { "dns": { "upstreams": [], "cache": { "maxEntries": 1000 } }, "journal": { "queryRetentionDays": 7 }, "alerts": { "rules": [] },
              "filtering": { "refreshMinutes": 60 }, "fleet": { "sendQueries": false, "pseudonymiseGroups": ["pupils"] } }
            """)));

        var refused = LaConfig.Refused(Json("""
            { "dataDir": "/tmp", "web": { "listen": "0.0.0.0:80" }, "dns": { "listen": ["0.0.0.0:53"] },
              "filtering": { "lists": [] }, "fleet": { "broker": "evil.example:1883", "commandKeyFile": "/tmp/k.pub" } }
            """));
        Assert.Equal(["dataDir", "web", "dns.listen", "filtering.lists", "fleet.broker", "fleet.commandKeyFile"], refused.Select(e => e[..e.IndexOf(':')]));
        Assert.All(refused, e => Assert.Contains("is set on the box itself, not by the LA", e, StringComparison.Ordinal));
        Assert.Equal(["an object of settings expected (or null to drop the LA's settings)"], LaConfig.Refused(Json("[1]")));
    }

    [Fact]
    public void A_push_that_sets_the_packet_filter_is_refused_by_name()
    {
        // Switching a bridge's filter off, or naming the wrong LAN, would open the school or cut it off: the box's own file decides.
        var refused = LaConfig.Refused(Json("""{ "packetFilter": { "mode": "off" }, "journal": { "queryRetentionDays": 7 } }"""));
        Assert.Equal("packetFilter: is set on the box itself, not by the LA", Assert.Single(refused).Split(" (the LA may set")[0]);

        using var restart = new HostRestart();
        var errors = new LaConfigPart(Inputs(), _dir, restart).Apply(Json("""{ "packetFilter": { "quic": "filter" } }"""));
        Assert.Contains(errors, e => e.StartsWith("packetFilter: is set on the box itself", StringComparison.Ordinal));
        Assert.False(System.IO.File.Exists(Path.Combine(_dir, LaConfig.FileName)));
    }

    [Fact]
    public void The_LA_cannot_make_the_box_read_a_file_or_choose_its_mail_server()
    {
        var refused = LaConfig.Refused(Json("""
            { "alerts": { "email": { "smtp": "collector.example:25", "passwordFile": "/etc/shadow", "to": ["dsl@school.example"] } },
              "dns": { "upstreams": [ { "address": "192.0.2.1:853", "tls": true, "tlsName": "x", "tlsCaFile": "/etc/appliance/broker.key" } ] },
              "journal": { "queryRetentionDays": 7, "queryRetentionDays": 8 } }
            """));
        Assert.Equal([
            "alerts.email: is set on the box itself, not by the LA",
            "dns.upstreams[0].tlsCaFile: names a file on the box; only the box's own configuration may",
            "journal.queryRetentionDays: is given twice"], refused.Select(e => e.Split(" (the LA may set")[0]));
    }

    [Fact]
    public void The_LAs_settings_merge_over_the_file_key_by_key_and_null_takes_one_back_to_its_default()
    {
        var inputs = Inputs();
        var merged = LaConfig.Merge(inputs.File, Json("""{ "journal": { "queryRetentionDays": 7 }, "alerts": { "maxPerDevicePerHour": 9 } }"""), "x");
        var settings = SettingsBuilder.Build(merged, "x", inputs.Overrides);
        Assert.Equal(7, settings.Journal.QueryRetention.TotalDays);
        Assert.Equal(100, settings.Journal.BlockRetention.TotalDays);    // kept from the file
        Assert.Equal("192.0.2.1:53", settings.Dns.Upstreams.Single().ToString());
        Assert.Equal(9, settings.AlertsPerDevicePerHour);

        var back = SettingsBuilder.Build(LaConfig.Merge(inputs.File, Json("""{ "journal": { "blockRetentionDays": null } }"""), "x"), "x", inputs.Overrides);
        Assert.Equal(365, back.Journal.BlockRetention.TotalDays);
    }

    [Fact]
    public void Settings_that_would_not_run_are_refused_whole_with_every_problem_named()
    {
        var errors = LaConfig.Check(Json("""{ "journal": { "queryRetentionDays": "seven" } }"""), Inputs());
        Assert.Equal("school.json with the LA's settings: journal.queryRetentionDays (line 1): has the wrong type: expected a whole number", Assert.Single(errors));

        errors = LaConfig.Check(Json("""{ "journal": { "queryRetentionDays": 0 }, "dns": { "upstreams": [] } }"""), Inputs());
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("school.json with the LA's settings: journal.queryRetentionDays: ", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("school.json with the LA's settings: dns.upstreams: is empty", StringComparison.Ordinal));

        Assert.Empty(LaConfig.Check(Json("""{ "journal": { "queryRetentionDays": 7 } }"""), Inputs()));
    }

    [Fact]
    public void The_LA_may_add_pseudonymised_groups_but_never_take_the_schools_away()
    {
        var inputs = new ConfigInputs(ConfigLoader.Parse("""
            { "dns": { "upstreams": [ { "address": "192.0.2.1:53" } ] }, "journal": { "pseudonymiseGroups": ["pupils"] } }
            """, "school.json"), "school.json", new CliOverrides { DataDir = _dir });
        Assert.Empty(LaConfig.Check(Json("""{ "journal": { "pseudonymiseGroups": ["pupils", "guests"] } }"""), inputs));
        Assert.Equal(["journal.pseudonymiseGroups: would stop pseudonymising 'pupils', which the school's own configuration protects; the LA may only add groups"],
            LaConfig.Check(Json("""{ "journal": { "pseudonymiseGroups": [] } }"""), inputs));
        Assert.Single(LaConfig.Check(Json("""{ "journal": null }"""), inputs));
    }

    [Fact]
    public void Settings_set_aside_are_put_back_when_the_box_did_not_start_without_them_either()
    {
        LaConfig.Save(_dir, Json("""{ "journal": { "queryRetentionDays": 7 } }"""));
        LaConfig.SetAside(_dir, "the box did not start with them (exit 1)");
        Assert.False(System.IO.File.Exists(Path.Combine(_dir, LaConfig.FileName)));
        LaConfig.Restore(_dir);
        Assert.True(System.IO.File.Exists(Path.Combine(_dir, LaConfig.FileName)));
        Assert.Null(LaConfig.SetAsideReason(_dir));
    }

    [Fact]
    public void A_part_that_applies_saves_the_settings_and_restarts_only_after_the_report_and_only_when_they_changed()
    {
        using var restart = new HostRestart();
        var part = new LaConfigPart(Inputs(), _dir, restart);
        var path = Path.Combine(_dir, LaConfig.FileName);

        Assert.Empty(part.Apply(Json("""{ "journal": { "queryRetentionDays": 7 } }""")));
        Assert.False(restart.Requested);   // the LA must get the report first
        Assert.True(JsonElement.DeepEquals(Json("""{ "journal": { "queryRetentionDays": 7 } }"""), Json(System.IO.File.ReadAllText(path))));
        part.AfterReport();
        Assert.True(restart.Requested);
        Assert.Equal("the LA's configuration changed", restart.Reason);

        using var second = new HostRestart();
        var again = new LaConfigPart(Inputs(), _dir, second);
        Assert.Empty(again.Apply(Json("""{ "journal" : { "queryRetentionDays" : 7 } }""")));
        again.AfterReport();
        Assert.False(second.Requested);   // the same settings: nothing to restart for

        Assert.NotEmpty(again.Apply(Json("""{ "dataDir": "/elsewhere" }""")));
        Assert.Contains("\"queryRetentionDays\": 7", System.IO.File.ReadAllText(path).Replace(" :", ":", StringComparison.Ordinal), StringComparison.Ordinal);   // untouched

        Assert.Empty(again.Apply(Json("null")));
        Assert.False(System.IO.File.Exists(path));
        again.AfterReport();
        Assert.True(second.Requested);
    }

    [Fact]
    public void Start_up_reads_the_saved_settings_and_runs_on_the_file_alone_when_they_no_longer_fit()
    {
        var file = Path.Combine(_dir, "school.json");
        System.IO.File.WriteAllText(file, File);
        var options = new CommandLine.SettingsOptions();
        var command = new Command("check");
        options.AddTo(command);
        var parse = command.Parse(["--config", file, "--data-dir", _dir]);

        var plain = options.Resolve(parse);
        Assert.False(plain.LaConfigApplied);
        Assert.Equal(30, plain.Journal.QueryRetention.TotalDays);

        System.IO.File.WriteAllText(Path.Combine(_dir, LaConfig.FileName), """{ "journal": { "queryRetentionDays": 7 } }""");
        var withLa = options.Resolve(parse);
        Assert.True(withLa.LaConfigApplied);
        Assert.Equal(7, withLa.Journal.QueryRetention.TotalDays);
        Assert.NotEqual(plain.ConfigSha256, withLa.ConfigSha256);   // the audit log records the change

        System.IO.File.WriteAllText(Path.Combine(_dir, LaConfig.FileName), """{ "journal": { "queryRetentionDays": 7 """);
        var broken = options.Resolve(parse);
        Assert.False(broken.LaConfigApplied);
        Assert.Equal(30, broken.Journal.QueryRetention.TotalDays);
        Assert.StartsWith("la-config.json: not used: ", broken.LaConfigProblem, StringComparison.Ordinal);

        // Settings that did not start are set aside with the reason, which the box then reports; new ones clear it.
        LaConfig.SetAside(_dir, "the box did not start with them (exit 2)");
        var aside = options.Resolve(parse);
        Assert.Equal("la-config.json: set aside as la-config.json.failed: the box did not start with them (exit 2)", aside.LaConfigProblem);
        Assert.True(System.IO.File.Exists(Path.Combine(_dir, "la-config.json.failed")));
        LaConfig.Save(_dir, Json("""{ "journal": { "queryRetentionDays": 9 } }"""));
        Assert.Null(options.Resolve(parse).LaConfigProblem);
    }
}
