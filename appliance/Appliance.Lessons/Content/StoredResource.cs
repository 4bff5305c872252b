namespace Appliance.Lessons.Content;

/// <summary>One lesson's stored copy of one URL (a row of the index).</summary>
/// <param name="LessonId">The lesson.</param>
/// <param name="Url">The URL as asked for (the key with the lesson), without fragment.</param>
/// <param name="FinalUrl">Where its redirects ended.</param>
/// <param name="BlobHash">The body's blob.</param>
/// <param name="ContentType">The Content-Type header (or the sniffed type).</param>
/// <param name="Status">The HTTP status the body came with.</param>
/// <param name="Bytes">The body's length.</param>
/// <param name="FetchedAt">When the body (or its last revalidation) was received.</param>
/// <param name="FreshUntil">Until when it may be used without asking the site (RFC 9111 §4.2).</param>
/// <param name="ETag">Its entity tag, for If-None-Match.</param>
/// <param name="LastModified">Its Last-Modified, for If-Modified-Since.</param>
/// <param name="MirrorBlobHash">The body with its links rewritten for the mirror (HTML and CSS), when made.</param>
/// <param name="MirrorContentType">The Content-Type of that rewritten body.</param>
public sealed record StoredResource(
    string LessonId,
    string Url,
    string FinalUrl,
    string BlobHash,
    string ContentType,
    int Status,
    long Bytes,
    DateTimeOffset FetchedAt,
    DateTimeOffset FreshUntil,
    string? ETag,
    DateTimeOffset? LastModified,
    string? MirrorBlobHash = null,
    string? MirrorContentType = null);

/// <summary>A stored body opened for reading after its hash was checked, or why it could not be.</summary>
/// <param name="Content">The body, positioned at its start (the caller disposes it), or null.</param>
/// <param name="Length">Its length.</param>
/// <param name="Problem">Why there is no body: missing, or damaged (its hash no longer matches; it was removed).</param>
public sealed record BlobRead(Stream? Content, long Length, string? Problem);

/// <summary>What an eviction removed.</summary>
public sealed record EvictionResult(int ResourcesRemoved, int BlobsRemoved, long BytesFreed);
