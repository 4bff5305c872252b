namespace Appliance.Lessons.Fetch;

/// <summary>What one pre-fetch did, shown to the teacher before the lesson and kept with the lesson's copies.</summary>
/// <param name="LessonId">The lesson.</param>
/// <param name="StartedAt">When the fetch started.</param>
/// <param name="FinishedAt">When it finished.</param>
/// <param name="Items">One line per page or asset, in the order they were dealt with.</param>
/// <param name="StoredBytes">Bytes of this lesson's files now in the store (fetched now or kept from before).</param>
/// <param name="Hosts">Every host that served a page or a same-site asset (redirects included): the lesson's allow window.</param>
public sealed record FetchReport(
    string LessonId,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    IReadOnlyList<FetchItem> Items,
    long StoredBytes,
    IReadOnlyList<string> Hosts);

/// <summary>One page or asset of a pre-fetch.</summary>
/// <param name="Url">The address as the page (or the teacher) gave it, without its fragment.</param>
/// <param name="FinalUrl">Where the redirects ended, or null when nothing was asked of the site.</param>
/// <param name="Kind">A teacher's page or one of its assets.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="HttpStatus">The last HTTP status, when a site answered.</param>
/// <param name="ContentType">The media type stored (or refused).</param>
/// <param name="Bytes">The body's size when stored.</param>
/// <param name="Problem">Plain words for a teacher when something was not copied (null when all is well).</param>
/// <param name="Redirects">Every address the redirects went through, in order, when there were any.</param>
public sealed record FetchItem(
    Uri Url,
    Uri? FinalUrl,
    FetchItemKind Kind,
    FetchOutcome Outcome,
    int? HttpStatus,
    string? ContentType,
    long Bytes,
    string? Problem,
    IReadOnlyList<Uri>? Redirects = null);

/// <summary>A teacher's page or an asset one of them uses.</summary>
public enum FetchItemKind
{
    Page = 1,
    Asset = 2,
}

/// <summary>What happened to one item.</summary>
public enum FetchOutcome
{
    /// <summary>Downloaded and stored.</summary>
    Fetched = 1,

    /// <summary>The site said the stored copy is still current (304).</summary>
    NotModified = 2,

    /// <summary>The stored copy is still fresh by the site's own caching headers; the site was not asked.</summary>
    StillFresh = 3,

    /// <summary>Not stored: the site failed, refused, or a limit was reached while fetching it.</summary>
    Failed = 4,

    /// <summary>
    /// Not asked for: another site, refused by the policy (the URL itself or a redirect to it; never requested, and no
    /// earlier copy kept), a limit reached before it, or the site forbids storing it.
    /// </summary>
    Skipped = 5,
}
