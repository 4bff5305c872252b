namespace Appliance.Lessons.Fetch;

/// <summary>What to pre-fetch for one lesson: the teacher's pages (only these are pages; their links are not followed).</summary>
/// <param name="LessonId">The lesson's id; also the first segment of its mirror paths, so letters, digits, '-' and '_' only.</param>
/// <param name="Pages">The teacher's pages, http or https.</param>
/// <param name="Limits">The limits this fetch works within.</param>
public sealed record LessonFetchRequest(string LessonId, IReadOnlyList<Uri> Pages, FetchLimits Limits);
