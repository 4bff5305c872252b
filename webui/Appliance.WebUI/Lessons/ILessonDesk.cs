namespace Appliance.WebUI.Lessons;

/// <summary>
/// What the lesson pages need from the host's lesson service (pre-fetch, mirror), which the web UI does not own: the
/// host implements this (Hosting/LessonDesk.cs). The plans themselves are read and changed through
/// <see cref="Appliance.Lessons.Plans.LessonPlanner"/>, which the host registers.
/// </summary>
public interface ILessonDesk
{
    /// <summary>The mirror's address of a lesson, e.g. <c>http://lessons.school.internal/42/</c>; null when the mirror is off.</summary>
    /// <param name="lessonId">The lesson.</param>
    string? MirrorUrl(long lessonId);

    /// <summary>The last pre-fetch of a lesson, or null when none has run yet.</summary>
    /// <param name="lessonId">The lesson.</param>
    LessonFetchView? LastFetch(long lessonId);

    /// <summary>When the next automatic pre-fetch is due (the lead time before its next occurrence); null when the lesson is over.</summary>
    /// <param name="lessonId">The lesson.</param>
    DateTimeOffset? NextFetch(long lessonId);

    /// <summary>Starts a pre-fetch now (the teacher's "fetch now"); false when one is already running for it.</summary>
    /// <param name="lessonId">The lesson.</param>
    bool FetchNow(long lessonId);
}

/// <summary>One pre-fetch of a lesson: when, how much was stored, and a line per page or asset.</summary>
public sealed record LessonFetchView(DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, long StoredBytes, IReadOnlyList<LessonFetchLine> Lines);

/// <summary>
/// One page or asset: its address, "page" or "asset", the outcome in words ("fetched", "not modified", "still fresh",
/// "failed", "skipped"), the HTTP status, type and size, and what went wrong in words for a teacher.
/// </summary>
public sealed record LessonFetchLine(string Url, string Kind, string Outcome, int? HttpStatus, string? ContentType, long Bytes, string? Problem);
