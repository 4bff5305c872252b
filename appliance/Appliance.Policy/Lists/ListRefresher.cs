using Appliance.Core.Lists;

namespace Appliance.Policy.Lists;

/// <summary>
/// Keeps every managed list (files and URLs) fresh in the cache directory through one <see cref="ListFetcher"/>
/// each, and says which good copies to compile. A refresh never throws for one bad list: each list's outcome
/// is reported, and a refused or failed list keeps its last good copy.
/// </summary>
public sealed class ListRefresher
{
    private readonly ListFetcher[] _fetchers;
    private IReadOnlyList<ListStatus> _statuses;

    /// <param name="sources">The managed lists.</param>
    /// <param name="cacheDirectory">Where last good copies are kept (created if missing).</param>
    /// <param name="http">For URL sources.</param>
    /// <param name="time">Stamps the copies.</param>
    /// <param name="maxShrink">The share (0–1) by which a list may shrink between two good copies before it is refused.</param>
    public ListRefresher(IReadOnlyList<ListSourceOptions> sources, string cacheDirectory, HttpClient http, TimeProvider time, double maxShrink)
    {
        Directory.CreateDirectory(cacheDirectory);
        _fetchers = [.. sources.Select(s => new ListFetcher(s, cacheDirectory, http, time, maxShrink))];
        _statuses = [.. _fetchers.Select(f => new ListStatus(f.Options.Source, ListRefreshOutcome.Unchanged, "not checked yet", f.Meta.Names,
            f.LastGoodPath is null ? null : f.Meta.FetchedAt, f.Meta.Sha256))];
    }

    public IReadOnlyList<ListStatus> Statuses => Volatile.Read(ref _statuses);

    /// <summary>Refreshes every list (or only the local files, for a quick start-up without the network).</summary>
    public async Task<IReadOnlyList<ListStatus>> RefreshAsync(bool localOnly, CancellationToken cancel)
    {
        var statuses = new List<ListStatus>(_fetchers.Length);
        var previous = Statuses;
        for (var i = 0; i < _fetchers.Length; i++)
        {
            statuses.Add(localOnly && _fetchers[i].Options.IsRemote ? previous[i] : await _fetchers[i].RefreshAsync(cancel));
        }

        Volatile.Write(ref _statuses, statuses);
        return statuses;
    }

    /// <summary>The last good copy of each list that has one, with its category.</summary>
    public IReadOnlyList<ListSources.Source> GoodCopies(bool statutory)
        => [.. _fetchers
            .Where(f => f.LastGoodPath is not null && ((Categories.Bit(f.Options.Category) & Categories.Locked) != 0) == statutory)
            .Select(f => new ListSources.Source(f.LastGoodPath!, f.Options.Category))];
}
