namespace Appliance.Lessons.Fetch;

/// <summary>Lesson ids name folders of the mirror's URLs, so they are kept to a safe alphabet.</summary>
public static class LessonIds
{
    /// <summary>1 to 64 ASCII letters, digits, '-' or '_' (nothing a URL or a path would read as structure).</summary>
    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
