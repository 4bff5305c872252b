namespace Appliance.Lessons.Fetch;

/// <summary>
/// The limits one lesson's pre-fetch works within. The defaults suit a lesson of a few pages with their images and
/// scripts; a page that needs more is better linked live than copied. <see cref="Validate"/> names the bad field.
/// </summary>
public sealed record FetchLimits
{
    /// <summary>Largest single file stored (counted while streaming: a Content-Length header can lie).</summary>
    public long MaxResourceBytes { get; init; } = 10L * 1024 * 1024;

    /// <summary>Largest total of one lesson's stored files.</summary>
    public long MaxLessonBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>Most files (pages and assets) one lesson may fetch.</summary>
    public int MaxResources { get; init; } = 400;

    /// <summary>Most redirects followed for one file (browsers allow 20; a lesson page needing more than 5 is broken).</summary>
    public int MaxRedirects { get; init; } = 5;

    /// <summary>Longest wait for one request, headers and body together (a server trickling bytes is stopped too).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest time the whole lesson's pre-fetch may take.</summary>
    public TimeSpan LessonDeadline { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How deep stylesheets importing stylesheets are followed (page → CSS → @import → …).</summary>
    public int MaxCssDepth { get; init; } = 4;

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is out of range; the message names it and says what is allowed.</exception>
    public void Validate()
    {
        Require(MaxResourceBytes > 0, nameof(MaxResourceBytes), "must be more than 0 bytes");
        Require(MaxLessonBytes >= MaxResourceBytes, nameof(MaxLessonBytes), $"must be at least {nameof(MaxResourceBytes)}");
        Require(MaxResources is > 0 and <= 10_000, nameof(MaxResources), "must be between 1 and 10000");
        Require(MaxRedirects is >= 0 and <= 20, nameof(MaxRedirects), "must be between 0 and 20");
        Require(RequestTimeout > TimeSpan.Zero && RequestTimeout <= LessonDeadline, nameof(RequestTimeout), $"must be more than 0 and at most {nameof(LessonDeadline)}");
        Require(LessonDeadline > TimeSpan.Zero && LessonDeadline <= TimeSpan.FromHours(2), nameof(LessonDeadline), "must be more than 0 and at most 2 hours");
        Require(MaxCssDepth is >= 0 and <= 16, nameof(MaxCssDepth), "must be between 0 and 16");
    }

    private static void Require(bool ok, string field, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException($"Fetch limit {field} {rule}.", field);
        }
    }
}
