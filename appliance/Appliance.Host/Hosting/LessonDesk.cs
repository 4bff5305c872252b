using Appliance.Host.Configuration;
using Appliance.Lessons.Fetch;
using Appliance.WebUI.Lessons;

namespace Appliance.Host.Hosting;

/// <summary>The lesson pages' view of the host's lesson service: the mirror's address, the last pre-fetch, the next, fetch now.</summary>
public sealed class LessonDesk(LessonService lessons, ApplianceSettings settings) : ILessonDesk
{
    /// <summary>
    /// The mirror's own name when the box has one (the resolver answers it), else the /mirror/ path on whatever address
    /// the teacher reached the web UI by (a relative link, so it works through any of the box's addresses).
    /// </summary>
    public string? MirrorUrl(long lessonId) => settings.Lessons.MirrorHostName is { } host
        ? $"http://{host}{(settings.WebListen.Port == 80 ? "" : $":{settings.WebListen.Port}")}/{lessonId}/"
        : $"/mirror/{lessonId}/";

    public LessonFetchView? LastFetch(long lessonId)
        => lessons.Content.LoadReport(Key(lessonId)) is { } report
            ? new LessonFetchView(report.StartedAt, report.FinishedAt, report.StoredBytes,
                [.. report.Items.Select(i => new LessonFetchLine(i.Url.AbsoluteUri, i.Kind == FetchItemKind.Page ? "page" : "asset", Words(i.Outcome),
                    i.HttpStatus, i.ContentType, i.Bytes, i.Problem))])
            : null;

    public DateTimeOffset? NextFetch(long lessonId)
        => lessons.Planner.Store.Get(lessonId) is { } plan ? lessons.NextFetch(plan) : null;

    public bool FetchNow(long lessonId) => lessons.FetchNow(lessonId);

    private static string Key(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Words(FetchOutcome outcome) => outcome switch
    {
        FetchOutcome.Fetched => "fetched",
        FetchOutcome.NotModified => "not modified",
        FetchOutcome.StillFresh => "still fresh",
        FetchOutcome.Failed => "failed",
        _ => "skipped",
    };
}
