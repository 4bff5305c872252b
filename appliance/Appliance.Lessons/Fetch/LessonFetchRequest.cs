namespace Appliance.Lessons.Fetch;

/// <summary>What to pre-fetch for one lesson: the teacher's pages (only these are pages; their links are not followed).</summary>
/// <param name="LessonId">The lesson's id; also the first segment of its mirror paths, so letters, digits, '-' and '_' only.</param>
/// <param name="Pages">The teacher's pages, http or https.</param>
/// <param name="Limits">The limits this fetch works within.</param>
/// <param name="Refuse">
/// The policy's judge, asked about every URL just before it would be requested (each page, each redirect hop, each
/// asset and stylesheet import or url()): null to go ahead, or why not in words for a teacher ("on a locked
/// statutory list: never fetched"). A refused URL is never connected to; its line is <see cref="FetchOutcome.Skipped"/>
/// with that reason, a refused redirect hop ends that page, and no earlier copy of a refused URL is kept. Null: no
/// judge (the library knows no policy; the host supplies one). A judge that throws refuses (the check could not be made).
/// </param>
public sealed record LessonFetchRequest(string LessonId, IReadOnlyList<Uri> Pages, FetchLimits Limits, Func<Uri, string?>? Refuse = null);
