namespace Appliance.Lessons.Plans;

/// <summary>
/// Where a lesson's site stands. Only <see cref="Allowed"/> and <see cref="Approved"/> sites are opened in the
/// lesson's window and pre-fetched; <see cref="Refused"/> is final (a locked statutory list or a security category:
/// nobody may approve it, DESIGN §5 "Policy precedence").
/// </summary>
public enum SiteStatus
{
    /// <summary>No category the class blocks: in the lesson without anyone's approval.</summary>
    Allowed,

    /// <summary>In a category the class blocks (or on its custom deny list): waits for a DSL or technician.</summary>
    Pending,

    /// <summary>A DSL or technician approved it, with a reason (audited).</summary>
    Approved,

    /// <summary>A DSL or technician turned it down, with a reason (audited).</summary>
    Rejected,

    /// <summary>On a locked statutory list or in a security category: can never be approved.</summary>
    Refused,
}

/// <summary>One site a lesson uses: the page the teacher gave and a short note for the class.</summary>
public sealed record LessonSite(
    long Id,
    string Url,
    string Host,
    string Note,
    SiteStatus Status,
    string StatusReason,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? DecisionReason)
{
    /// <summary>Whether the site is open during the lesson and pre-fetched for it.</summary>
    public bool IsUsable => Status is SiteStatus.Allowed or SiteStatus.Approved;

    /// <summary>Who put the site on the lesson (the teacher, or a DSL or technician editing it): never its approver.</summary>
    public string? AddedBy { get; init; }
}

/// <summary>
/// When a lesson happens, in the school's local time (the policy's time zone): once on <see cref="Date"/>, or every
/// week on that weekday until <see cref="Until"/> (in term only, when the policy has term dates: the timetable does not
/// run in the holidays).
/// </summary>
public sealed record LessonTiming(DateOnly Date, TimeOnly Start, TimeOnly End, bool Weekly, DateOnly? Until)
{
    /// <summary>Plain words for the page: "Tue 1 Dec 2026 09:00–10:00" or "Tuesdays 09:00–10:00, 1 Dec 2026 to 19 Mar 2027".</summary>
    public string Describe()
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var hours = $"{Start.ToString("HH:mm", culture)}–{End.ToString("HH:mm", culture)}";
        return Weekly
            ? $"{Date.DayOfWeek}s {hours}, {Date.ToString("d MMM yyyy", culture)} to {Until?.ToString("d MMM yyyy", culture)}"
            : $"{Date.ToString("ddd d MMM yyyy", culture)} {hours}";
    }
}

/// <summary>
/// A lesson plan: who teaches it, to whom (a policy group, a room's subnet, or both), when, and its sites.
/// </summary>
public sealed record LessonPlan(
    long Id,
    string Title,
    string Teacher,
    string? Group,
    string? Room,
    LessonTiming Timing,
    IReadOnlyList<LessonSite> Sites,
    DateTimeOffset CreatedAt)
{
    /// <summary>The lesson's id as the mirror and the allow table name it.</summary>
    public string Key => Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>What a teacher fills in; checked by <see cref="LessonRules.Validate"/> before anything is stored.</summary>
public sealed record LessonDraft(
    string Title,
    string? Group,
    string? Room,
    LessonTiming Timing,
    IReadOnlyList<SiteDraft> Sites);

/// <summary>A site as the teacher typed it.</summary>
public sealed record SiteDraft(string Url, string Note);

/// <summary>A lesson plan that cannot be saved or changed; every problem is listed, each naming its field.</summary>
public sealed class LessonException : Exception
{
    public LessonException(IReadOnlyList<string> errors)
        : base("the lesson cannot be saved: " + string.Join("; ", errors)) => Errors = errors;

    public LessonException()
        : this([])
    {
    }

    public LessonException(string message)
        : this([message])
    {
    }

    public LessonException(string message, Exception inner)
        : base(message, inner) => Errors = [message];

    public IReadOnlyList<string> Errors { get; }
}
