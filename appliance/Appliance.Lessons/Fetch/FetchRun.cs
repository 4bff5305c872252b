using Appliance.Lessons.Content;

namespace Appliance.Lessons.Fetch;

/// <summary>One URL waiting to be fetched.</summary>
/// <param name="Url">The URL, without fragment.</param>
/// <param name="Kind">A teacher's page, or an asset.</param>
/// <param name="Hint">What the referring page expects it to be.</param>
/// <param name="CssDepth">Stylesheet nesting: 0 for pages, 1 for what a page uses, 2 for what that imports, …</param>
/// <param name="Site">The page whose site an asset (and its redirects) must stay on.</param>
internal sealed record Work(Uri Url, FetchItemKind Kind, AssetHint Hint, int CssDepth, Uri Site);

/// <summary>The state of one lesson's fetch: the queue, what was seen and kept, the report lines so far.</summary>
internal sealed class FetchRun(LessonFetchRequest request)
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public LessonFetchRequest Request { get; } = request;

    public Queue<Work> Queue { get; } = new();

    public List<FetchItem> Items { get; } = [];

    public HashSet<string> Hosts { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>URLs whose stored copy belongs to the lesson after this fetch (the others' rows are removed).</summary>
    public HashSet<string> KeptUrls { get; } = new(StringComparer.Ordinal);

    /// <summary>Bytes of the kept copies, against the lesson's size limit.</summary>
    public long Bytes { get; private set; }

    /// <summary>Once set, every URL still queued is skipped with this reason (deadline, quota, full disk, size limit).</summary>
    public string? StopReason { get; set; }

    /// <summary>Queues a URL not seen before in this fetch.</summary>
    public void Enqueue(Work work)
    {
        if (_seen.Add(work.Url.AbsoluteUri))
        {
            Queue.Enqueue(work);
        }
    }

    /// <summary>
    /// Asks the request's judge about <paramref name="url"/> before it is requested: null to go ahead, else the reason.
    /// A judge that throws refuses (fails closed): a URL on a statutory list must not be fetched because a list was
    /// being reloaded; the exception is a host bug, named in the line rather than ending the whole lesson.
    /// </summary>
    public string? Refusal(Uri url)
    {
        if (Request.Refuse is not { } judge)
        {
            return null;
        }

        try
        {
            return judge(url);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"not fetched: the policy check failed ({ex.GetType().Name}: {ex.Message})";
        }
    }

    /// <summary>Lists an asset of another site once, as not mirrored.</summary>
    public void OtherSite(Uri url)
    {
        if (_seen.Add(url.AbsoluteUri))
        {
            Items.Add(new FetchItem(url, null, FetchItemKind.Asset, FetchOutcome.Skipped, null, null, 0, "not mirrored (other site)"));
        }
    }

    public void Keep(StoredResource row)
    {
        if (KeptUrls.Add(row.Url))
        {
            Bytes += row.Bytes;
            Hosts.Add(new Uri(row.Url).IdnHost);
            Hosts.Add(new Uri(row.FinalUrl).IdnHost);
        }
    }

    public void Add(
        Work work, FetchOutcome outcome, string? problem, StoredResource? row = null, int? status = null, Uri? finalUrl = null,
        IReadOnlyList<Uri>? redirects = null)
    {
        Items.Add(new FetchItem(
            work.Url,
            finalUrl ?? (row is null ? null : new Uri(row.FinalUrl)),
            work.Kind,
            outcome,
            status,
            row?.ContentType,
            row?.Bytes ?? 0,
            problem,
            redirects is { Count: > 0 } ? redirects : null));
    }
}
