using System.Text.Json.Serialization;
using Appliance.Lessons.Plans;

namespace Appliance.WebUI.Lessons;

/// <summary>A site of a lesson: its status (allowed, pending, approved, rejected, refused), why, and who decided.</summary>
public sealed record LessonSiteJson(long Id, string Url, string Host, string Note, string Status, string StatusReason, string? DecidedBy,
    DateTimeOffset? DecidedAt, string? DecisionReason)
{
    public static LessonSiteJson Of(LessonSite s) =>
        new(s.Id, s.Url, s.Host, s.Note, s.Status.ToString().ToLowerInvariant(), s.StatusReason, s.DecidedBy, s.DecidedAt, s.DecisionReason);
}

/// <summary>
/// A lesson: its plan (dates <c>YYYY-MM-DD</c> and times <c>HH:MM</c> in the school's time zone, as typed), the window
/// in words, the next occurrence (null: over), its sites, the mirror's address; one lesson also carries its last
/// pre-fetch report and when the next automatic one is due.
/// </summary>
public sealed record LessonJson(long Id, string Title, string Teacher, string? Group, string? Room, string Date, string Start, string End, bool Weekly,
    string? Until, string When, DateTimeOffset? NextStart, DateTimeOffset? NextEnd, IReadOnlyList<LessonSiteJson> Sites, DateTimeOffset CreatedAt,
    string? MirrorUrl, LessonFetchView? LastFetch, DateTimeOffset? NextFetch)
{
    public static LessonJson Of(LessonSummary s, bool withFetch, DateTimeOffset? nextFetch)
    {
        var (p, t) = (s.Plan, s.Plan.Timing);
        return new(p.Id, p.Title, p.Teacher, p.Group, p.Room, LessonInput.Text(t.Date), LessonInput.Text(t.Start), LessonInput.Text(t.End), t.Weekly,
            t.Until is { } until ? LessonInput.Text(until) : null, t.Describe(), s.Next?.Start, s.Next?.End, [.. p.Sites.Select(LessonSiteJson.Of)],
            p.CreatedAt, s.MirrorUrl, withFetch ? s.LastFetch : null, nextFetch);
    }
}

/// <summary>POST and PUT <c>/api/lessons</c>: a lesson as the form takes it (dates <c>YYYY-MM-DD</c>, times <c>HH:MM</c>, school time).</summary>
public sealed record LessonDraftJson(string? Title, string? Group, string? Room, string? Date, string? Start, string? End, bool Weekly, string? Until,
    IReadOnlyList<SiteDraftJson>? Sites)
{
    public LessonInput ToInput() => new(Title ?? "", Group ?? "", Room ?? "", Date ?? "", Start ?? "", End ?? "", Weekly, Until ?? "",
        [.. (Sites ?? []).Select(s => new SiteRow(s?.Url ?? "", s?.Note ?? ""))]);
}

public sealed record SiteDraftJson(string? Url, string? Note);

/// <summary>POST <c>/api/lessons/{id}/sites/{siteId}/decision</c>: approve or reject, and why (required; audited).</summary>
public sealed record SiteDecisionJson(bool Approve, string? Reason);

/// <summary>A field's problem, named as the planner names it (<c>title</c>, <c>sites[1].url</c>).</summary>
public sealed record LessonFieldJson(string Field, string Message);

/// <summary>Why a request was refused; <see cref="Errors"/> lists every field problem of a draft.</summary>
public sealed record LessonErrorJson(string Error, IReadOnlyList<LessonFieldJson>? Errors = null);

/// <summary>POST <c>/api/lessons/{id}/fetch</c>: whether a fetch started.</summary>
public sealed record FetchStartedJson(bool Started, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(LessonJson))]
[JsonSerializable(typeof(IReadOnlyList<LessonJson>))]
[JsonSerializable(typeof(LessonDraftJson))]
[JsonSerializable(typeof(SiteDecisionJson))]
[JsonSerializable(typeof(LessonErrorJson))]
[JsonSerializable(typeof(FetchStartedJson))]
internal sealed partial class LessonJsonContext : JsonSerializerContext;
