using System.Security.Cryptography;
using Appliance.Journal.Alerts;
using Appliance.Journal.Incidents;
using Appliance.WebUI.Incidents;

namespace Appliance.WebUI.Tests;

/// <summary>The DSL's inbox rules: one list newest first, the triage note, the evidence check, the links and the LED words.</summary>
public sealed class IncidentInboxTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("incidents-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Incident Raised(long id, DateTimeOffset at) => new(id, at, "panel-1", "Room 4", "panel panel-1", false, IncidentState.Raised, at);

    private static Alert Alerted(long id, DateTimeOffset at, string rule = "self-harm") =>
        new(id, at, rule, AlertSeverity.High, "10.1.4.20", "pupil7", "pupils", "harm.example", 0, 0, true, 0);

    [Fact]
    public void Incidents_and_alerts_are_one_list_newest_first_without_the_incidents_own_emails()
    {
        var items = IncidentInbox.Merge(
            [Raised(2, Noon.AddMinutes(5)), Raised(1, Noon)],
            [Alerted(9, Noon.AddMinutes(7)), Alerted(8, Noon.AddMinutes(5), "panic-button"), Alerted(7, Noon.AddMinutes(1), "panic-button-escalated"), Alerted(6, Noon.AddMinutes(-1))],
            limit: 10);

        Assert.Equal(["alert 9", "incident 2", "incident 1", "alert 6"], items.Select(i => i.Incident is { } n ? $"incident {n.Id}" : $"alert {i.Alert!.Id}"));
        Assert.Equal(2, IncidentInbox.Merge([Raised(2, Noon.AddMinutes(5)), Raised(1, Noon)], [Alerted(9, Noon.AddMinutes(7))], limit: 2).Count);
    }

    [Theory]
    [InlineData("  Spoke to the pupil; parents called.  ", "Spoke to the pupil; parents called.", null)]
    [InlineData("   ", null, "empty")]
    [InlineData("line one\nline two", null, "one line")]
    public void A_note_is_one_trimmed_line(string text, string? stored, string? problem)
    {
        var (note, why) = IncidentInbox.CleanNote(text);
        Assert.Equal(stored, note);
        if (problem is null)
        {
            Assert.Null(why);
        }
        else
        {
            Assert.Contains(problem, why, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_note_longer_than_the_limit_is_refused_with_its_length()
    {
        var (note, why) = IncidentInbox.CleanNote(new string('x', IncidentInbox.MaxNoteLength + 1));
        Assert.Null(note);
        Assert.Contains($"{IncidentInbox.MaxNoteLength + 1} characters", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Evidence_is_served_only_while_its_digest_matches_the_recorded_one()
    {
        var file = Path.Combine(_dir, "incident-3.json");
        var bytes = "{\"kind\":\"incident-evidence\",\"incident\":3}"u8.ToArray();
        File.WriteAllBytes(file, bytes);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var incident = Raised(3, Noon) with { EvidenceSha256 = sha, EvidenceFile = file };

        var good = IncidentInbox.CheckEvidence(incident);
        Assert.Equal(bytes, good.Bytes);
        Assert.Equal((sha, (string?)null), (good.Actual, good.Problem));

        File.WriteAllBytes(file, "{\"kind\":\"incident-evidence\",\"incident\":4}"u8.ToArray());   // one byte changed
        var changed = IncidentInbox.CheckEvidence(incident);
        Assert.Null(changed.Bytes);
        Assert.Contains("does NOT match", changed.Problem, StringComparison.Ordinal);
        Assert.Contains(sha, changed.Problem, StringComparison.Ordinal);
        Assert.NotEqual(sha, changed.Actual);

        Assert.Contains("not been sealed", IncidentInbox.CheckEvidence(Raised(3, Noon)).Problem, StringComparison.Ordinal);
        Assert.Contains("not served", IncidentInbox.CheckEvidence(incident with { EvidenceFile = "/etc/passwd" }).Problem, StringComparison.Ordinal);
        File.Delete(file);
        Assert.Contains("cannot be read", IncidentInbox.CheckEvidence(incident).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Links_go_to_the_activity_around_the_incident_and_the_alerts_device_timeline_and_the_activity_page_reads_them()
    {
        var incident = new Uri("http://box" + IncidentInbox.ActivityLink(Raised(1, Noon)));
        Assert.Equal("/activity", incident.AbsolutePath);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(incident.Query);
        var request = Activity.ActivityRequest.Parse(new Microsoft.AspNetCore.Http.QueryCollection(query));
        Assert.Null(request.Problem);
        Assert.Equal((Noon.AddMinutes(-15), Noon.AddMinutes(15)), (request.Filter!.From, request.Filter.To));

        var alert = new Uri("http://box" + IncidentInbox.ActivityLink(Alerted(1, Noon)));
        Assert.Equal("/activity/timeline", alert.AbsolutePath);
        var parsed = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(alert.Query);
        Assert.Equal(("device", "10.1.4.20"), (parsed["by"].ToString(), parsed["who"].ToString()));
        Assert.Equal(Noon, DateTimeOffset.Parse(parsed["at"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_panel_is_described_in_words_not_colour_alone()
    {
        Assert.Equal("#5 acknowledged (TEST) in Room 4 at 2026-11-30 12:00:00 UTC; acknowledged by dsl.jones",
            IncidentInbox.Describe(Raised(5, Noon) with { State = IncidentState.Acknowledged, StateBy = "dsl.jones", Test = true }));
        Assert.All(new[] { "red", "amber", "green", "ring" }, led => Assert.Contains(':', IncidentInbox.LedMeans(led)));
        Assert.Equal(["led-off", "led-on", "led-on", "led-on", "led-blink", "led-blink"],
            new[] { "off", "on", "on 60 s", "on, dip every 10 s", "blink 2 Hz", "double-blink / 3 s" }.Select(IncidentInbox.LedClass));
    }
}
