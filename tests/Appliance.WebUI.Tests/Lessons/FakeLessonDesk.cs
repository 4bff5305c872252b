using System.Collections.Concurrent;
using Appliance.WebUI.Lessons;

namespace Appliance.WebUI.Tests.Lessons;

/// <summary>The host's lesson desk as the pages see it: a mirror address per lesson, a stored report, and "fetch now" recorded.</summary>
public sealed class FakeLessonDesk(TimeProvider time) : ILessonDesk
{
    private readonly ConcurrentDictionary<long, LessonFetchView> _reports = new();

    /// <summary>The lessons whose fetch was started, in order.</summary>
    public ConcurrentQueue<long> Started { get; } = new();

    /// <summary>While true, "fetch now" answers that a fetch is already running.</summary>
    public bool Busy { get; set; }

    /// <summary>As the host answers when the mirror has no name of its own: a path on the web listener.</summary>
    public bool MirrorAsPath { get; set; }

    public string? MirrorUrl(long lessonId) => MirrorAsPath ? $"/mirror/{lessonId}/" : $"http://lessons.school.test/{lessonId}/";

    public LessonFetchView? LastFetch(long lessonId) => _reports.GetValueOrDefault(lessonId);

    public DateTimeOffset? NextFetch(long lessonId) => time.GetUtcNow().AddHours(20);

    public bool FetchNow(long lessonId)
    {
        if (Busy)
        {
            return false;
        }

        Started.Enqueue(lessonId);
        return true;
    }

    public void Report(long lessonId, LessonFetchView report) => _reports[lessonId] = report;
}
