using Appliance.WebUI.Settings;

namespace Appliance.WebUI.Tests;

/// <summary>How the Settings form becomes an edit: a required reason, day counts as numbers, only what changed, locked fields refused, URLs without secrets.</summary>
public sealed class SettingsFormTests
{
    private static readonly SettingsView Current = new("/etc/appliance.json", null, null, [],
        new EditableSettings(["192.0.2.1:53"], 30, 90, 365), new Dictionary<string, string>());

    private static SettingsFormValues Form(string upstreams = "192.0.2.1:53", string query = "30", string reason = "because") =>
        new(upstreams, query, "90", "365", reason);

    [Fact]
    public void A_change_with_a_reason_becomes_an_edit_of_only_the_changed_fields()
    {
        var (edit, problems) = SettingsForm.Read(Form(upstreams: "192.0.2.9:53\r\n tls://192.0.2.10:853#dns.example \n", query: "14"), Current);
        Assert.Empty(problems);
        Assert.Equal(["192.0.2.9:53", "tls://192.0.2.10:853#dns.example"], edit!.Upstreams);
        Assert.Equal(14, edit.QueryRetentionDays);
        Assert.Null(edit.BlockRetentionDays);
        Assert.Equal(["dns.upstreams", "journal.queryRetentionDays"], SettingsForm.Changed(edit));
    }

    [Fact]
    public void Missing_reason_empty_upstreams_and_a_non_number_are_named_by_field_and_give_no_edit()
    {
        var (edit, problems) = SettingsForm.Read(Form(upstreams: " \n", query: "two weeks", reason: "  "), Current);
        Assert.Null(edit);
        Assert.Equal(["reason", "dns.upstreams", "journal.queryRetentionDays"], problems.Select(p => p.Field));
        Assert.Contains("two weeks", problems[2].Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_changed_is_said_and_a_locked_field_cannot_be_changed()
    {
        Assert.Equal("settings", Assert.Single(SettingsForm.Read(Form(), Current).Problems).Field);

        var locked = Current with { Locked = new Dictionary<string, string> { ["dns.upstreams"] = "set by the Local Authority" } };
        var (edit, problems) = SettingsForm.Read(Form(upstreams: "192.0.2.9:53"), locked);
        Assert.Null(edit);
        var problem = Assert.Single(problems);
        Assert.Equal("dns.upstreams", problem.Field);
        Assert.Contains("Local Authority", problem.Problem, StringComparison.Ordinal);
        Assert.Empty(SettingsForm.Read(Form(query: "7"), locked).Problems);   // what is not locked still can be
    }

    [Theory]
    [InlineData("https://user:secret@lists.example/iwf.txt?key=LICENCE#x", "https://lists.example/iwf.txt (credentials and query hidden)")]
    [InlineData("https://lists.example/iwf.txt", "https://lists.example/iwf.txt")]
    [InlineData("/var/lib/lists/drugs.txt", "/var/lib/lists/drugs.txt")]
    public void List_urls_lose_user_password_and_query(string source, string shown)
    {
        Assert.Equal(shown, SettingsForm.Redact(source));
        Assert.DoesNotContain("secret", SettingsForm.Redact(source), StringComparison.Ordinal);
        Assert.DoesNotContain("LICENCE", SettingsForm.Redact(source), StringComparison.Ordinal);
    }
}
