using Appliance.Core.Lists;

namespace Appliance.Policy.Lists;

/// <summary>
/// Keeps every managed list (files and URLs) fresh in the cache directory through one <see cref="ListFetcher"/>
/// each, and says which good copies to compile. A refresh never throws for one bad list: each list's outcome
/// is reported, and a refused or failed list keeps its last good copy.
/// </summary>
public sealed class ListRefresher
{
    private readonly ListFetcher[] _configured;
    private readonly string _cacheDirectory;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly double _maxShrink;
    private ListFetcher[] _fetchers;
    private IReadOnlyList<ListStatus> _statuses;

    /// <param name="sources">The managed lists.</param>
    /// <param name="cacheDirectory">Where last good copies are kept (created if missing).</param>
    /// <param name="http">For URL sources.</param>
    /// <param name="time">Stamps the copies.</param>
    /// <param name="maxShrink">The share (0–1) by which a list may shrink between two good copies before it is refused.</param>
    public ListRefresher(IReadOnlyList<ListSourceOptions> sources, string cacheDirectory, HttpClient http, TimeProvider time, double maxShrink)
    {
        Directory.CreateDirectory(cacheDirectory);
        (_cacheDirectory, _http, _time, _maxShrink) = (cacheDirectory, http, time, maxShrink);
        _configured = [.. sources.Select(s => new ListFetcher(s, cacheDirectory, http, time, maxShrink))];
        _fetchers = _configured;
        _statuses = [.. _fetchers.Select(NotChecked)];
    }

    /// <summary>
    /// Lists the Local Authority points the box at (desired state), kept beside the configured ones; each keeps its
    /// own last good copy. Takes effect at the next refresh.
    /// </summary>
    public void SetExtraSources(IReadOnlyList<ListSourceOptions> extra)
        => Volatile.Write(ref _fetchers, [.. _configured, .. extra.Select(s => new ListFetcher(s, _cacheDirectory, _http, _time, _maxShrink))]);

    private static ListStatus NotChecked(ListFetcher f)
        => new(f.Options.Source, ListRefreshOutcome.Unchanged, "not checked yet", f.Meta.Names, f.LastGoodPath is null ? null : f.Meta.FetchedAt, f.Meta.Sha256);

    public IReadOnlyList<ListStatus> Statuses => Volatile.Read(ref _statuses);

    /// <summary>The lists kept fresh (configured and LA-supplied), with their categories: the web UI shows the statutory ones as locked.</summary>
    public IReadOnlyList<ListSourceOptions> Sources => [.. Volatile.Read(ref _fetchers).Select(f => f.Options)];

    /// <summary>Refreshes every list (or only the local files, for a quick start-up without the network).</summary>
    public async Task<IReadOnlyList<ListStatus>> RefreshAsync(bool localOnly, CancellationToken cancel)
    {
        var fetchers = Volatile.Read(ref _fetchers);
        var statuses = new List<ListStatus>(fetchers.Length);
        var previous = Statuses.GroupBy(s => s.Source, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var fetcher in fetchers)
        {
            statuses.Add(localOnly && fetcher.Options.IsRemote
                ? previous.GetValueOrDefault(fetcher.Options.Source) ?? NotChecked(fetcher)
                : await fetcher.RefreshAsync(cancel));
        }

        Volatile.Write(ref _statuses, statuses);
        return statuses;
    }

    /// <summary>The last good copy of each list that has one, with its category.</summary>
    public IReadOnlyList<ListSources.Source> GoodCopies(bool statutory)
        => [.. Volatile.Read(ref _fetchers)
            .Where(f => f.LastGoodPath is not null && ((Categories.Bit(f.Options.Category) & Categories.Locked) != 0) == statutory)
            .Select(f => new ListSources.Source(f.LastGoodPath!, f.Options.Category))];
}
