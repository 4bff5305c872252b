using System.Text.Json.Serialization;

namespace Appliance.WebUI.Settings;

/// <summary>
/// The box's effective settings and the edits the technician may make to them; implemented by the host, which alone
/// knows the configuration file, the LA's settings and the in-process restart.
/// </summary>
public interface ISettingsSource
{
    /// <summary>The settings the box runs with now, each with where it came from.</summary>
    SettingsView Read();

    /// <summary>
    /// Checks <paramref name="edit"/> with the same rules as a start, and when it passes writes the configuration file
    /// (keeping the previous one as <c>&lt;file&gt;.previous</c>); nothing is written when any field is wrong.
    /// </summary>
    /// <returns>The problems, each naming its field; empty when the file was written.</returns>
    IReadOnlyList<FieldProblem> Apply(SettingsEdit edit);

    /// <summary>Restarts the box's services in-process so they take the written file.</summary>
    void Restart(string reason);
}

/// <summary>One effective setting.</summary>
/// <param name="Section">The group it is shown under (Network, DNS, Lists, LA connection, Retention, Web, RADIUS).</param>
/// <param name="Name">The configuration key (e.g. <c>dns.upstreams</c>).</param>
/// <param name="Value">What the box runs with, never a secret (URLs lose user, password and query).</param>
/// <param name="Source">Where it came from: the file's path, the LA's settings, the command line or the local default.</param>
public sealed record SettingRow(string Section, string Name, string Value, string Source);

/// <summary>What the Settings page and <c>/api/settings</c> show.</summary>
/// <param name="ConfigFile">The configuration file's full path; null when the box runs on the embedded local default.</param>
/// <param name="LaSettingsFile">DATA_DIR/la-config.json when the LA's settings are in force, else null.</param>
/// <param name="LaProblem">Why the LA's saved settings are not used, or null.</param>
/// <param name="Rows">The effective settings.</param>
/// <param name="Editable">The values of the fields the technician may edit here.</param>
/// <param name="Locked">Editable fields that cannot be changed here, each with why (set by the LA, or on the command line).</param>
public sealed record SettingsView(string? ConfigFile, string? LaSettingsFile, string? LaProblem, IReadOnlyList<SettingRow> Rows, EditableSettings Editable,
    IReadOnlyDictionary<string, string> Locked);

/// <summary>The settings that can be changed from the web UI: the upstream resolvers and the journal's retention.</summary>
/// <param name="Upstreams">One per entry: ADDR:PORT, or tls://ADDR:PORT#NAME for DNS over TLS (RFC 7858).</param>
/// <param name="QueryRetentionDays">journal.queryRetentionDays.</param>
/// <param name="BlockRetentionDays">journal.blockRetentionDays.</param>
/// <param name="AuditRetentionDays">journal.auditRetentionDays.</param>
public sealed record EditableSettings(IReadOnlyList<string> Upstreams, int QueryRetentionDays, int BlockRetentionDays, int AuditRetentionDays);

/// <summary>A change asked for; null fields are left as they are.</summary>
/// <param name="Upstreams">New dns.upstreams, or null.</param>
/// <param name="QueryRetentionDays">New journal.queryRetentionDays, or null.</param>
/// <param name="BlockRetentionDays">New journal.blockRetentionDays, or null.</param>
/// <param name="AuditRetentionDays">New journal.auditRetentionDays, or null.</param>
/// <param name="Reason">Why (required; kept in the audit log).</param>
public sealed record SettingsEdit(IReadOnlyList<string>? Upstreams, int? QueryRetentionDays, int? BlockRetentionDays, int? AuditRetentionDays, string? Reason);

/// <summary>A problem with one field of an edit.</summary>
/// <param name="Field">The configuration key (e.g. <c>dns.upstreams[0].address</c>), or <c>reason</c>.</param>
/// <param name="Problem">What is wrong, in words.</param>
public sealed record FieldProblem(string Field, string Problem);

/// <summary>What POST /api/settings answers.</summary>
/// <param name="Changed">The fields written (empty when refused).</param>
/// <param name="Problems">Why it was refused.</param>
/// <param name="Restarting">The services restart to take the change.</param>
public sealed record SettingsChangeView(IReadOnlyList<string> Changed, IReadOnlyList<FieldProblem> Problems, bool Restarting);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SettingsView))]
[JsonSerializable(typeof(SettingsEdit))]
[JsonSerializable(typeof(SettingsChangeView))]
internal sealed partial class SettingsJsonContext : JsonSerializerContext;
