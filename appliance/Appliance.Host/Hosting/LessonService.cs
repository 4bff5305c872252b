using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Host.Configuration;
using Appliance.Lessons.Content;
using Appliance.Lessons.Fetch;
using Appliance.Lessons.Mirror;
using Appliance.Lessons.Plans;
using Appliance.Lessons.Scheduling;

namespace Appliance.Host.Hosting;

/// <summary>
/// Runs lesson sites (issue 9) for the host's lifetime. Every minute, and at once after any change to a plan: loads
/// the allow windows of the next 36 hours into the policy engine (which checks each window's start and end on every
/// request), keeps the names of running and imminent lessons warm in the resolver's cache, starts the pre-fetch of
/// lessons within their lead time (one lesson at a time, polite to the sites), and evicts the copies of lessons
/// long over. After a policy or list change it re-judges the sites first, so a site that has since been listed in a
/// blocked category waits for approval again and a statutory one is refused before its window is loaded.
/// </summary>
public sealed partial class LessonService : BackgroundService
{
    private static readonly TimeSpan TickEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan EvictEvery = TimeSpan.FromHours(1);
    private readonly LessonSettings _settings;
    private readonly PolicyEngine _engine;
    private readonly TimeProvider _time;
    private readonly ILogger<LessonService> _logger;
    private readonly INameWarmer? _warmer;
    private readonly HttpClient _http;
    private readonly LessonFetcher _fetcher;
    private readonly System.Threading.Channels.Channel<long> _fetchQueue = System.Threading.Channels.Channel.CreateUnbounded<long>();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, byte> _queued = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, byte> _again = new();
    private readonly Dictionary<long, (DateTimeOffset For, string Sites)> _fetchedFor = [];
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Dictionary<long, string> _usable = [];
    private long _policyVersion = -1;
    private string _windowsSignature = "";
    private DateTimeOffset _lastEviction = DateTimeOffset.MinValue;

    public LessonService(ApplianceSettings settings, LessonStores stores, PolicyEngine engine, Appliance.Journal.Audit.AuditLog audit, TimeProvider time,
        ILogger<LessonService> logger, INameWarmer? warmer = null)
    {
        _settings = settings.Lessons;
        _engine = engine;
        _time = time;
        _logger = logger;
        _warmer = warmer;
        Planner = new LessonPlanner(stores.Plans, () => _engine.Snapshot, audit, time);
        Content = stores.Content;
        Mirror = new LessonMirror(Content, IndexInfo);
        _http = LessonFetcher.CreateHttpClient(_settings.FetchFrom);
        _fetcher = new LessonFetcher(_http, Content, time);
        Planner.Changed += Wake;
    }

    public LessonPlanner Planner { get; }

    public ContentStore Content { get; }

    public LessonMirror Mirror { get; }

    /// <summary>
    /// Queues a pre-fetch of the lesson now; false when one is already queued or running, which then runs once more
    /// when it ends (the lesson changed while it ran: an approval, a new site).
    /// </summary>
    public bool FetchNow(long lessonId)
    {
        if (!_queued.TryAdd(lessonId, 0))
        {
            _again.TryAdd(lessonId, 0);
            return false;
        }

        _fetchQueue.Writer.TryWrite(lessonId);
        return true;
    }

    /// <summary>When the lesson's next automatic pre-fetch is due; null when it is over or has no usable site.</summary>
    public DateTimeOffset? NextFetch(LessonPlan plan)
        => LessonAgenda.NextFetch(plan, _engine.Snapshot, _time.GetUtcNow(), _settings.PrefetchLead);

    public override void Dispose()
    {
        base.Dispose();
        _http.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var fetching = FetchLoopAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake);
            try
            {
                Tick();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The windows already loaded stay in the engine; the next tick tries again.
                Log.TickFailed(_logger, ex.Message);
            }

            try
            {
                await Task.WhenAny(wake.Task, Task.Delay(TickEvery, _time, stoppingToken)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _fetchQueue.Writer.TryComplete();
        await fetching.ConfigureAwait(false);
    }

    /// <summary>One pass of the agenda.</summary>
    internal void Tick()
    {
        var policy = _engine.Snapshot;
        if (policy.Version != _policyVersion)
        {
            _policyVersion = policy.Version;
            Planner.Reclassify();
        }

        var now = _time.GetUtcNow();
        var plans = Planner.Store.List();
        var windows = LessonAgenda.Windows(plans, policy, now, key => Content.LoadReport(key)?.Hosts ?? []);
        var signature = string.Join('|', windows.Select(w => $"{w.LessonKey},{w.Group},{w.Room},{w.Start.UtcTicks},{w.End.UtcTicks},{string.Join(',', w.Hosts)}"));
        if (signature != _windowsSignature)
        {
            _engine.SwapLessons(LessonAllowTable.Build(windows.Select(w => w.ToLessonWindow())));
            _windowsSignature = signature;
            var open = windows.Count(w => w.Start <= now && now < w.End);
            Log.WindowsLoaded(_logger, windows.Count, open);
        }

        if (_warmer is not null && LessonAgenda.WarmNames(windows, now) is { Count: > 0 } names)
        {
            _warmer.KeepWarm(names);
        }

        // A site no longer usable (rejected, refused after a list change, removed) or a lesson deleted: its copies go
        // now, not at the next hourly sweep, so the mirror never serves what the lesson no longer has. Before the
        // fetches are queued, so that a fetch never races its own lesson's purge.
        var usable = plans.ToDictionary(p => p.Id, p => string.Join('|', p.Sites.Where(s => s.IsUsable).Select(s => s.Url)));
        var dropped = _usable.Where(u => !usable.TryGetValue(u.Key, out var current) || current != u.Value).Select(u => u.Key).ToHashSet();
        _usable = usable;
        if (dropped.Count > 0 || now - _lastEviction >= EvictEvery)
        {
            _lastEviction = now;
            // Listed again here: a lesson made since the start of this pass keeps its copies.
            var keep = LessonAgenda.Keep(Planner.Store.List().Where(p => !dropped.Contains(p.Id)), policy, now, _settings.KeepAfter);
            var evicted = Content.Evict(keep);
            if (evicted.BlobsRemoved > 0)
            {
                Log.Evicted(_logger, evicted.ResourcesRemoved, evicted.BlobsRemoved, evicted.BytesFreed);
            }
        }

        foreach (var (plan, occurrence) in LessonAgenda.DueForFetch(plans, policy, now, _settings.PrefetchLead))
        {
            // Once per occurrence and set of sites (_fetchedFor is the tick loop's alone: no lock).
            var sites = usable[plan.Id];
            if (_fetchedFor.TryGetValue(plan.Id, out var done) && done == (occurrence.Start, sites))
            {
                continue;
            }

            _fetchedFor[plan.Id] = (occurrence.Start, sites);
            FetchNow(plan.Id);
        }
    }

    private async Task FetchLoopAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in _fetchQueue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                if (stoppingToken.IsCancellationRequested)
                {
                    continue;
                }

                await FetchAsync(id, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // One lesson's failure (a store error, a bug on a strange page) must not end pre-fetch for every lesson.
                Log.FetchFailed(_logger, id, ex.Message);
            }
            finally
            {
                _queued.TryRemove(id, out _);
                if (_again.TryRemove(id, out _) && !stoppingToken.IsCancellationRequested)
                {
                    FetchNow(id);
                }
            }
        }
    }

    private async Task FetchAsync(long id, CancellationToken cancel)
    {
        if (Planner.Store.Get(id) is not { } plan)
        {
            return;
        }

        var pages = plan.Sites.Where(s => s.IsUsable).Select(s => new Uri(s.Url)).ToList();
        if (pages.Count == 0)
        {
            return;
        }

        var limits = new FetchLimits { MaxResourceBytes = _settings.ResourceBytes, MaxLessonBytes = _settings.LessonBytes };
        var judge = LessonAgenda.FetchJudge(plan, _engine.Snapshot, _time.GetUtcNow());   // redirects and assets obey the policy too
        var report = await _fetcher.FetchAsync(new LessonFetchRequest(plan.Key, pages, limits, judge), cancel).ConfigureAwait(false);
        var current = report.Items.Count(i => i.Outcome is FetchOutcome.Fetched or FetchOutcome.NotModified or FetchOutcome.StillFresh);
        var failed = report.Items.Count(i => i.Outcome == FetchOutcome.Failed);
        Log.Fetched(_logger, plan.Id, current, failed, report.StoredBytes);
        Wake();   // the fetched hosts join the lesson's allow windows
    }

    private LessonIndexInfo? IndexInfo(string key)
    {
        if (!long.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) || Planner.Store.Get(id) is not { } plan)
        {
            return null;
        }

        var audience = string.Join(", ", new[] { plan.Group, plan.Room }.Where(a => a is not null));
        return new LessonIndexInfo(plan.Title, plan.Teacher, $"{plan.Timing.Describe()} ({audience})",
            [.. plan.Sites.Where(s => s.IsUsable).Select(s => new LessonIndexEntry(new Uri(s.Url), s.Note))]);
    }

    private void Wake() => Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "lessons: {Count} allow windows loaded for the next 36 h ({Open} open now)")]
        public static partial void WindowsLoaded(ILogger logger, int count, int open);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "lessons: lesson {Id} pre-fetched: {Stored} copies current, {Failed} failed, {Bytes} bytes stored")]
        public static partial void Fetched(ILogger logger, long id, int stored, int failed, long bytes);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "lessons: pre-fetch of lesson {Id} failed: {Problem}")]
        public static partial void FetchFailed(ILogger logger, long id, string problem);

        [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "lessons: the agenda could not be run: {Problem}")]
        public static partial void TickFailed(ILogger logger, string problem);

        [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "lessons: copies of lessons over evicted: {Resources} entries, {Blobs} files, {Bytes} bytes")]
        public static partial void Evicted(ILogger logger, int resources, int blobs, long bytes);
    }
}
