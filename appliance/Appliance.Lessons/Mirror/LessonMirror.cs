using Appliance.Lessons.Content;
using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Mirror;

/// <summary>
/// Answers the mirror's requests from the store alone (no network: it keeps working with the internet link down,
/// which is its point). Only lessons the plan knows (<paramref name="lessons"/> gives their index data) are served.
/// </summary>
/// <param name="store">The copies.</param>
/// <param name="lessons">The index data of a lesson by id, or null for a lesson the plan does not (or no longer) have.</param>
public sealed class LessonMirror(ContentStore store, Func<string, LessonIndexInfo?> lessons)
{
    /// <summary>
    /// Resolves <c>/{lessonId}/{path}?{query}</c>: an empty path (or index.html) is the index page, otherwise
    /// <paramref name="path"/> is <c>{scheme}/{host}/{path}</c>, still percent-encoded as on the request line.
    /// </summary>
    public MirrorResult Resolve(string lessonId, string path, string? query)
    {
        if (!LessonIds.IsValid(lessonId) || lessons(lessonId) is not { } info)
        {
            return new MirrorResult.NotFound("no such lesson");
        }

        if (path is "" or "index.html")
        {
            return new MirrorResult.IndexPage(LessonIndexPage.Render(lessonId, info, store));
        }

        if (!MirrorPath.TryParse(path, query, out var url))
        {
            return new MirrorResult.NotFound("not a mirror address");
        }

        if (store.Find(lessonId, url.AbsoluteUri) is not { } row)
        {
            return new MirrorResult.NotFound("not part of this lesson's offline copies");
        }

        if (row.MirrorBlobHash is { } mirrorHash && store.OpenVerified(mirrorHash) is { Content: { } rewritten } read)
        {
            return new MirrorResult.Resource(row.MirrorContentType ?? row.ContentType, rewritten, read.Length, $"\"{mirrorHash}\"");
        }

        var original = store.OpenVerified(row.BlobHash);
        return original.Content is { } content
            ? new MirrorResult.Resource(row.ContentType, content, original.Length, $"\"{row.BlobHash}\"")
            : new MirrorResult.NotFound(original.Problem!);
    }
}
