using System.Globalization;
using Appliance.WebUI.Pages;

namespace Appliance.WebUI.Settings;

/// <summary>The Settings page's model: the settings, the form's values (as typed, after a refusal) and what happened.</summary>
public sealed record SettingsPage(PageFrame Frame, SettingsView View, SettingsFormValues Form, IReadOnlyList<FieldProblem> Problems, Notice? Notice);

/// <summary>The edit form's fields as text, so a refused form comes back as the technician typed it.</summary>
/// <param name="Upstreams">One resolver a line.</param>
/// <param name="QueryRetentionDays">Days of queries kept.</param>
/// <param name="BlockRetentionDays">Days of blocks kept.</param>
/// <param name="AuditRetentionDays">Days of audit records kept.</param>
/// <param name="Reason">Why the change is made.</param>
public sealed record SettingsFormValues(string Upstreams, string QueryRetentionDays, string BlockRetentionDays, string AuditRetentionDays, string Reason)
{
    public static SettingsFormValues Of(EditableSettings current) => new(string.Join('\n', current.Upstreams),
        Text(current.QueryRetentionDays), Text(current.BlockRetentionDays), Text(current.AuditRetentionDays), "");

    private static string Text(int days) => days.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Turns the form into an edit of only what changed, and catches what can be told without the configuration (a missing
/// reason, a day count that is not a number); the host then checks the edited file with the same rules as a start.
/// </summary>
public static class SettingsForm
{
    /// <summary>The edit and the problems found in the form; the edit is null when there are problems or nothing changed.</summary>
    public static (SettingsEdit? Edit, IReadOnlyList<FieldProblem> Problems) Read(SettingsFormValues form, SettingsView current)
    {
        var problems = new List<FieldProblem>();
        if (string.IsNullOrWhiteSpace(form.Reason))
        {
            problems.Add(new FieldProblem("reason", "is required: say why the settings change (it is kept in the audit log)"));
        }

        var upstreams = form.Upstreams.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (upstreams.Length == 0)
        {
            problems.Add(new FieldProblem("dns.upstreams", "is empty; name at least one upstream resolver (ADDR:PORT)"));
        }

        var query = Days(form.QueryRetentionDays, "journal.queryRetentionDays", problems);
        var block = Days(form.BlockRetentionDays, "journal.blockRetentionDays", problems);
        var audit = Days(form.AuditRetentionDays, "journal.auditRetentionDays", problems);
        var was = current.Editable;
        var edit = new SettingsEdit(
            upstreams.SequenceEqual(was.Upstreams, StringComparer.Ordinal) ? null : upstreams,
            query == was.QueryRetentionDays ? null : query,
            block == was.BlockRetentionDays ? null : block,
            audit == was.AuditRetentionDays ? null : audit,
            form.Reason.Trim());
        foreach (var field in Changed(edit).Where(current.Locked.ContainsKey))
        {
            problems.Add(new FieldProblem(field, $"cannot be changed here: {current.Locked[field]}"));
        }

        if (problems.Count == 0 && Changed(edit).Count == 0)
        {
            problems.Add(new FieldProblem("settings", "nothing changed: the values are the ones the box runs with"));
        }

        return (problems.Count == 0 ? edit : null, problems);
    }

    /// <summary>The configuration keys an edit changes.</summary>
    public static IReadOnlyList<string> Changed(SettingsEdit edit) =>
    [
        .. edit.Upstreams is null ? Array.Empty<string>() : ["dns.upstreams"],
        .. edit.QueryRetentionDays is null ? Array.Empty<string>() : ["journal.queryRetentionDays"],
        .. edit.BlockRetentionDays is null ? Array.Empty<string>() : ["journal.blockRetentionDays"],
        .. edit.AuditRetentionDays is null ? Array.Empty<string>() : ["journal.auditRetentionDays"],
    ];

    private static int? Days(string text, string field, List<FieldProblem> problems)
    {
        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var days))
        {
            return days;
        }

        problems.Add(new FieldProblem(field, $"'{text}' is not a whole number of days"));
        return null;
    }

    /// <summary>A URL without its user, password, query or fragment (statutory list URLs may carry licence keys).</summary>
    public static string Redact(string source)
    {
        if (!Uri.TryCreate(source, UriKind.Absolute, out var uri) || uri.IsFile)
        {
            return source;
        }

        var hidden = uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0;
        return $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}{(hidden ? " (credentials and query hidden)" : "")}";
    }
}
