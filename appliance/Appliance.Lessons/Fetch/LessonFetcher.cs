using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using Appliance.Lessons.Content;
using Appliance.Lessons.Mirror;

namespace Appliance.Lessons.Fetch;

/// <summary>
/// Pre-fetches one lesson: each of the teacher's pages, then the same-site assets they use (and stylesheets'
/// imports and url()s, depth-limited), one request at a time (polite to the sites; a lesson is a few pages). It
/// stores what may be stored, keeps a previous good copy when a re-fetch fails, skips copies still fresh, and
/// revalidates stale ones. The request's judge (the policy) is asked about every URL and redirect hop before it is
/// requested. Every outcome is a report line in plain words; a slow site meets the per-request
/// timeout and the lesson deadline, never a hang. At the end the mirror's rewritten copies are made.
/// </summary>
public sealed partial class LessonFetcher
{
    /// <summary>Names the appliance to the sites it copies (RFC 9110 §10.1.5), so their operators can tell what it is.</summary>
    public static readonly string UserAgent =
        $"SchoolGatewayAppliance/{typeof(LessonFetcher).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0"} (lesson pre-fetch)";

    private readonly HttpClient _http;
    private readonly ContentStore _store;
    private readonly TimeProvider _time;
    // One fetch per lesson at a time: a second one (the schedule and a teacher's "fetch now" at once) would race on
    // the lesson's rows and report, so it waits for the first (and then mostly finds fresh copies). One small
    // semaphore per lesson id fetched since start: a few hundred at most.
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _lessonGates = new(StringComparer.Ordinal);

    /// <param name="http">A client made by <see cref="CreateHttpClient(FetchAddresses)"/> (or one set up the same way).</param>
    /// <param name="store">Where the copies go.</param>
    /// <param name="time">The clock for freshness, timeouts and the deadline.</param>
    public LessonFetcher(HttpClient http, ContentStore store, TimeProvider time)
    {
        _http = http;
        _store = store;
        _time = time;
    }

    /// <summary>
    /// The client the pre-fetch needs: redirects off (followed and checked here), no cookies, no credentials, no
    /// proxy from the environment (the box is the gateway), gzip/brotli/deflate decoded (the size limits then count
    /// the decoded bytes, which defeats a compression bomb), no client-wide timeout (each request has its own).
    /// </summary>
    /// <param name="addresses">Which addresses it may connect to (<see cref="FetchAddresses"/>; public ones by default).</param>
    public static HttpClient CreateHttpClient(FetchAddresses addresses = FetchAddresses.Public) => CreateHttpClient(FetchAddressGuard.Connect(addresses));

    /// <summary>For tests: <paramref name="connect"/> opens the connections (a guard that only lets loopback through).</summary>
    internal static HttpClient CreateHttpClient(Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? connect)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = connect,
            AllowAutoRedirect = false,
            UseCookies = false,
            Credentials = null,
            PreAuthenticate = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        return client;
    }

    /// <summary>Fetches the lesson's pages and assets into the store and returns (and stores) the report.</summary>
    /// <exception cref="ArgumentException">The lesson id, a page or a limit is not valid; the message names it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled (the deadline gives a report instead).</exception>
    /// <remarks>A fetch of a lesson already being fetched waits for that one to finish, then runs.</remarks>
    public async Task<FetchReport> FetchAsync(LessonFetchRequest request, CancellationToken cancel)
    {
        Validate(request);
        var gate = _lessonGates.GetOrAdd(request.LessonId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancel);
        try
        {
            return await FetchOnceAsync(request, cancel);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<FetchReport> FetchOnceAsync(LessonFetchRequest request, CancellationToken cancel)
    {
        var limits = request.Limits;
        var started = _time.GetUtcNow();
        using var deadline = new CancellationTokenSource(limits.LessonDeadline, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, deadline.Token);
        var run = new FetchRun(request);
        foreach (var page in request.Pages)
        {
            run.Enqueue(new Work(WebUrl.WithoutFragment(page), FetchItemKind.Page, AssetHint.Any, 0, page));
        }

        var attempted = 0;
        while (run.Queue.TryDequeue(out var work))
        {
            if (run.StopReason is { } stop)
            {
                Fail(run, work, stop, outcome: FetchOutcome.Skipped);
                continue;
            }

            // Before anything is asked of the site (a still-fresh copy included: a URL refused now is not kept from
            // before). A refusal costs no request, so it does not count against MaxResources.
            if (run.Refusal(work.Url) is { } refusal)
            {
                run.Add(work, FetchOutcome.Skipped, refusal);
                continue;
            }

            if (++attempted > limits.MaxResources)
            {
                Fail(run, work, $"not fetched: a lesson may have at most {limits.MaxResources} files", outcome: FetchOutcome.Skipped);
                continue;
            }

            try
            {
                await FetchOneAsync(run, work, linked.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancel.IsCancellationRequested)
            {
                Fail(run, work, $"stopped: the whole pre-fetch took longer than its limit ({limits.LessonDeadline})");
                run.StopReason = $"not fetched: the pre-fetch ran out of time ({limits.LessonDeadline})";
            }
        }

        var mirrorProblems = await new MirrorBuilder(_store).BuildAsync(request.LessonId, cancel);
        foreach (var problem in mirrorProblems)
        {
            run.Items.Add(problem);
        }

        _store.RemoveResourcesExcept(request.LessonId, run.KeptUrls);
        var report = new FetchReport(
            request.LessonId, started, _time.GetUtcNow(), run.Items, _store.LessonBytes(request.LessonId), [.. run.Hosts.Order(StringComparer.Ordinal)]);
        _store.SaveReport(report);
        return report;
    }

    private static void Validate(LessonFetchRequest request)
    {
        if (!LessonIds.IsValid(request.LessonId))
        {
            throw new ArgumentException($"Lesson id '{request.LessonId}' must be 1 to 64 letters, digits, '-' or '_'.", nameof(request));
        }

        if (request.Pages.Count == 0)
        {
            throw new ArgumentException($"Lesson '{request.LessonId}' has no pages to fetch.", nameof(request));
        }

        foreach (var page in request.Pages)
        {
            if (!WebUrl.IsWeb(page))
            {
                throw new ArgumentException($"Page '{page}' is not an http or https address.", nameof(request));
            }
        }

        request.Limits.Validate();
    }
}
