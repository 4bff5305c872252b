namespace Appliance.Lessons.Mirror;

/// <summary>What the lesson's index page shows about the lesson (from the lesson plan; everything is HTML-encoded).</summary>
/// <param name="Title">The lesson's title.</param>
/// <param name="Teacher">The teacher's name.</param>
/// <param name="WindowText">When the lesson is, in words ("Tuesdays 10:00–11:00, room 12").</param>
/// <param name="Pages">The teacher's pages with their notes, in the teacher's order.</param>
public sealed record LessonIndexInfo(string Title, string Teacher, string WindowText, IReadOnlyList<LessonIndexEntry> Pages);

/// <summary>One of the teacher's pages.</summary>
/// <param name="Url">The page's address.</param>
/// <param name="Note">The teacher's note about it.</param>
public sealed record LessonIndexEntry(Uri Url, string Note);
