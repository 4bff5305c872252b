using System.Globalization;
using System.Security.Cryptography;
using Appliance.Journal.Alerts;
using Appliance.Journal.Incidents;

namespace Appliance.WebUI.Incidents;

/// <summary>One line of the DSL's inbox: a panic-button incident or an alert (a serious block), whichever.</summary>
public sealed record InboxItem(DateTimeOffset At, Incident? Incident, Alert? Alert);

/// <summary>What the evidence file holds now against what was recorded when it was sealed.</summary>
/// <param name="Bytes">The file's bytes, only when they match (what is served is exactly what was checked).</param>
/// <param name="Actual">The file's SHA-256 (hex), when it could be read.</param>
/// <param name="Problem">Why it is not served; null when it matches.</param>
public sealed record EvidenceCheck(byte[]? Bytes, string? Actual, string? Problem);

/// <summary>The inbox's rules, apart from HTTP so they can be tested alone.</summary>
public static class IncidentInbox
{
    /// <summary>The longest triage note: a line for the DSL's own record, not the case file (that lives in the school's safeguarding system).</summary>
    public const int MaxNoteLength = 500;

    /// <summary>
    /// Incidents and alerts in one list, newest first. The alerts the incident service itself raised (rules
    /// <c>panic-button…</c>, the DSL's e-mail about an incident) are left out: the incident is already in the list.
    /// </summary>
    public static IReadOnlyList<InboxItem> Merge(IEnumerable<Incident> incidents, IEnumerable<Alert> alerts, int limit) =>
        [.. incidents.Select(i => new InboxItem(i.RaisedAt, i, null))
            .Concat(alerts.Where(a => !a.Rule.StartsWith("panic-button", StringComparison.Ordinal)).Select(a => new InboxItem(a.At, null, a)))
            .OrderByDescending(item => item.At)
            .ThenBy(item => item.Incident is null)   // at the same millisecond, the incident first
            .Take(limit)];

    /// <summary>The note as it will be stored, or the problem with it (empty, too long, control characters).</summary>
    public static (string? Note, string? Problem) CleanNote(string? text)
    {
        var note = text?.Trim() ?? "";
        if (note.Length == 0)
        {
            return (null, "The note is empty: write what you did or decided.");
        }

        if (note.Length > MaxNoteLength)
        {
            return (null, $"The note is {note.Length} characters long; at most {MaxNoteLength} fit (a line for the record: the case itself belongs in the safeguarding system).");
        }

        if (note.Any(char.IsControl))
        {
            return (null, "The note has a line break or a control character: write it on one line.");
        }

        return (note, null);
    }

    /// <summary>
    /// Reads the sealed bundle and compares its SHA-256 with the digest the store recorded at sealing (the one chained
    /// into the audit log): a changed byte shows, and a file that does not match is not served.
    /// </summary>
    public static EvidenceCheck CheckEvidence(Incident incident)
    {
        if (incident.EvidenceSha256 is not { } recorded || incident.EvidenceFile is not { } file)
        {
            return new(null, null, $"The evidence of incident #{incident.Id} has not been sealed (the audit log says why, under incident.evidence-failed).");
        }

        // Only the bundle the sealing wrote for this incident, whatever the store says (a path is data, not a licence to read any file).
        if (!string.Equals(Path.GetFileName(file), $"incident-{incident.Id}.json", StringComparison.Ordinal))
        {
            return new(null, null, $"The store names '{Path.GetFileName(file)}' as the evidence of incident #{incident.Id}, not incident-{incident.Id}.json: it is not served.");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new(null, null, $"The evidence file of incident #{incident.Id} cannot be read: {ex.Message}");
        }

        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return string.Equals(actual, recorded, StringComparison.OrdinalIgnoreCase)
            ? new(bytes, actual, null)
            : new(null, actual, $"The evidence file of incident #{incident.Id} does NOT match the digest recorded when it was sealed (recorded {recorded}, the file now {actual}): it has been changed since, and is not served. Tell the technician; the audit log holds the recorded digest.");
    }

    /// <summary>
    /// What was looked up on the network around the incident's raise (±15 minutes): a panel names a room, not a device, so
    /// this is a period search the DSL narrows down from there.
    /// </summary>
    public static string ActivityLink(Incident incident) =>
        $"/activity?from={Uri.EscapeDataString(Activity.ActivityText.Field(incident.RaisedAt - TimeSpan.FromMinutes(15)))}&to={Uri.EscapeDataString(Activity.ActivityText.Field(incident.RaisedAt + TimeSpan.FromMinutes(15)))}";

    /// <summary>The Activity timeline (±1 hour) of the alert's device around its time.</summary>
    public static string ActivityLink(Alert alert) =>
        $"/activity/timeline?by=device&who={Uri.EscapeDataString(alert.Client)}&at={Uri.EscapeDataString(alert.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))}";

    /// <summary>Times on these pages are UTC and say so (the panel's and the LA's records are UTC too).</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>"#3 raised (TEST) in Room 4 at … UTC; acknowledged by dsl.jones" — the dashboard's line (panel.js writes the same).</summary>
    public static string Describe(Incident i) =>
        $"#{i.Id} {i.StateName}{(i.Test ? " (TEST)" : "")}{(i.Room.Length > 0 ? $" in {i.Room}" : "")} at {Time(i.RaisedAt)}{(i.StateBy is { } by ? $"; {i.StateName} by {by}" : "")}";

    /// <summary>What each LED is for, in words (never colour alone; docs/panel.md "What the LEDs say").</summary>
    public static string LedMeans(string led) => led switch
    {
        "red" => "Red: an incident (blinking: waiting for the DSL; steady: acknowledged) or, steady alone, a filtering fault",
        "amber" => "Amber: a warning (starting, internet or upstream down, a backlog to the LA, or an incident not delivered)",
        "green" => "Green: filtering is working (on, with a dip every 10 s); when dark, the other LEDs say why",
        "ring" => "Ring (around the button): lit while the button is held and while an incident is open",
        _ => led,
    };

    /// <summary>The drawing's class for a pattern: off, on (steady), or blink (anything with a rhythm).</summary>
    public static string LedClass(string pattern) =>
        pattern == "off" ? "led-off" : pattern.StartsWith("on", StringComparison.Ordinal) ? "led-on" : "led-blink";
}
