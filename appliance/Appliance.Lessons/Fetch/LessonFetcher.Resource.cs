using Appliance.Lessons.Content;

namespace Appliance.Lessons.Fetch;

/// <summary>Fetching one URL: freshness, the request with its validators and timeout, storing, finding its assets.</summary>
public sealed partial class LessonFetcher
{
    private async Task FetchOneAsync(FetchRun run, Work work, CancellationToken lessonToken)
    {
        var limits = run.Request.Limits;
        var previous = Previous(run, work);
        if (previous is not null && previous.FreshUntil > _time.GetUtcNow())
        {
            run.Keep(previous);
            run.Add(work, FetchOutcome.StillFresh, null, previous);
            await DiscoverAsync(run, work, previous, lessonToken);
            return;
        }

        using var timeout = new CancellationTokenSource(limits.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(lessonToken, timeout.Token);
        try
        {
            await DownloadAsync(run, work, previous, linked.Token);
        }
        catch (OperationCanceledException) when (!lessonToken.IsCancellationRequested)
        {
            // The request's own timeout (or an HttpClient.Timeout, if the caller's client has one).
            Fail(run, work, $"the site did not answer in time ({limits.RequestTimeout.TotalSeconds:0} s)");
        }
        catch (HttpRequestException ex)
        {
            Fail(run, work, $"could not reach the site ({ex.HttpRequestError}: {ex.Message})");
        }
        catch (StorageWriteException ex)
        {
            Stop(run, work, ex.Message);
        }
        catch (IOException ex)
        {
            Fail(run, work, $"the connection broke while downloading ({ex.Message})");
        }
    }

    private async Task DownloadAsync(FetchRun run, Work work, StoredResource? previous, CancellationToken cancel)
    {
        var limits = run.Request.Limits;
        var requestTime = _time.GetUtcNow();
        var followed = await RedirectFollower.GetAsync(
            _http, work.Url, limits.MaxRedirects, next => work.Kind == FetchItemKind.Page || SiteKey.SameSite(next, work.Site),
            run.Refusal, request => AddValidators(request, previous), cancel);
        using var response = followed.Response;
        foreach (var hop in followed.Chain.Prepend(work.Url))
        {
            run.Hosts.Add(hop.IdnHost);
        }

        if (response is null && followed.Refused)
        {
            // Not Fail: an earlier copy of this URL may be of the very page now refused, so none is kept.
            run.Add(work, FetchOutcome.Skipped, followed.Problem, null, followed.Status, followed.FinalUrl, followed.Chain);
            return;
        }

        if (response is null)
        {
            Fail(run, work, followed.Problem!, followed.Status, followed);
            return;
        }

        var status = (int)response.StatusCode;
        var freshness = Freshness.From(response, requestTime, _time.GetUtcNow());
        if (status == 304 && previous is not null)
        {
            // RFC 9111 §4.3.4: the stored copy is current; its freshness and validators are updated.
            var updated = previous with
            {
                FetchedAt = _time.GetUtcNow(),
                FreshUntil = freshness.FreshUntil,
                ETag = freshness.ETag ?? previous.ETag,
                LastModified = freshness.LastModified ?? previous.LastModified,
            };
            _store.Upsert(updated);
            run.Keep(updated);
            run.Add(work, FetchOutcome.NotModified, null, updated, status, redirects: followed.Chain);
            await DiscoverAsync(run, work, updated, cancel);
            return;
        }

        if (!response.IsSuccessStatusCode)
        {
            Fail(run, work, $"the site answered {status} {response.ReasonPhrase}", status, followed);
            return;
        }

        if (freshness.NoStore)
        {
            run.Add(work, FetchOutcome.Skipped, "not stored: the site asks that it is never stored (Cache-Control: no-store)", null, status, followed.FinalUrl, followed.Chain);
            return;
        }

        var declared = response.Content.Headers.ContentType?.ToString();
        if (declared is not null && !ContentTypes.IsAllowed(declared))
        {
            Fail(run, work, $"not copied: files of type {ContentTypes.Essence(declared)} are not kept for lessons", status, followed);
            return;
        }

        var room = Math.Max(0, limits.MaxLessonBytes - run.Bytes);
        var max = Math.Min(limits.MaxResourceBytes, room);
        await using var body = await response.Content.ReadAsStreamAsync(cancel);
        PendingBlob pending;
        try
        {
            pending = await _store.ReceiveAsync(body, max, cancel);
        }
        catch (BodyTooLargeException) when (max < limits.MaxResourceBytes)
        {
            Fail(run, work, $"not copied: the lesson would pass its size limit ({limits.MaxLessonBytes} bytes)", status, followed);
            run.StopReason = $"not fetched: the lesson reached its size limit ({limits.MaxLessonBytes} bytes)";
            return;
        }
        catch (BodyTooLargeException ex)
        {
            Fail(run, work, ex.Message, status, followed);
            return;
        }
        catch (StorageWriteException ex)
        {
            Stop(run, work, ex.Message, status, followed);
            return;
        }

        using (pending)
        {
            var type = declared ?? ContentTypes.Sniff(pending.Head.Span, work.Hint);
            if (type is null)
            {
                Fail(run, work, "not copied: the site did not say what kind of file this is, and it is not one the box recognises", status, followed);
                return;
            }

            StoredResource row;
            try
            {
                row = _store.CommitAs(pending, hash => new StoredResource(
                    run.Request.LessonId, work.Url.AbsoluteUri, WebUrl.Key(followed.FinalUrl), hash, type, status, pending.Length,
                    _time.GetUtcNow(), freshness.FreshUntil, freshness.ETag, freshness.LastModified));
            }
            catch (Exception ex) when (ex is StorageQuotaFullException or StorageWriteException)
            {
                Stop(run, work, ex.Message, status, followed);
                return;
            }

            run.Keep(row);
            run.Add(work, FetchOutcome.Fetched, null, row, status, redirects: followed.Chain);
            await DiscoverAsync(run, work, row, cancel);
        }
    }

    /// <summary>Queues the same-site assets of a page (or of a stylesheet, within the depth limit) and lists the others.</summary>
    private async Task DiscoverAsync(FetchRun run, Work work, StoredResource row, CancellationToken cancel)
    {
        var isPage = work.Kind == FetchItemKind.Page && ContentTypes.IsHtml(row.ContentType);
        var isSheet = ContentTypes.IsCss(row.ContentType) && work.CssDepth <= run.Request.Limits.MaxCssDepth;
        if (!isPage && !isSheet)
        {
            return;
        }

        var read = _store.OpenVerified(row.BlobHash);
        if (read.Content is null)
        {
            return;
        }

        var finalUrl = new Uri(row.FinalUrl);
        var found = new List<(Uri Url, AssetHint Hint)>();
        await using (read.Content)
        {
            if (isPage)
            {
                using var document = await PageParser.ParseAsync(read.Content, cancel);
                if (document is null)
                {
                    run.Items[^1] = run.Items[^1] with
                    {
                        Problem = $"stored, but too complex to read for its images and styles (more than {PageParser.MaxElements} elements)",
                    };
                    return;
                }

                found = HtmlAssetCollector.Collect(document, finalUrl);
            }
            else
            {
                using var buffer = new MemoryStream();
                await read.Content.CopyToAsync(buffer, cancel);
                foreach (var reference in CssUrlScanner.Scan(CssText.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length))))
                {
                    if (WebUrl.TryResolve(finalUrl, CssText.UrlValue(reference.Value), out var url))
                    {
                        found.Add((url, reference.IsImport ? AssetHint.Stylesheet : AssetHint.Any));
                    }
                }
            }
        }

        foreach (var (url, hint) in found)
        {
            if (SiteKey.SameSite(url, finalUrl))
            {
                run.Enqueue(new Work(url, FetchItemKind.Asset, hint, work.CssDepth + 1, finalUrl));
            }
            else
            {
                run.OtherSite(url);
            }
        }
    }

    /// <summary>The lesson's intact copy of this URL from an earlier fetch, if any (a damaged one counts as none).</summary>
    private StoredResource? Previous(FetchRun run, Work work) =>
        _store.Find(run.Request.LessonId, work.Url.AbsoluteUri) is { } row && row.Url == work.Url.AbsoluteUri && _store.IsIntact(row.BlobHash)
            ? row
            : null;

    /// <summary>RFC 9110 §13.1.2 and §13.1.3: a stale copy is revalidated with its validators.</summary>
    private static void AddValidators(HttpRequestMessage request, StoredResource? previous)
    {
        if (previous?.ETag is { } etag && System.Net.Http.Headers.EntityTagHeaderValue.TryParse(etag, out var tag))
        {
            request.Headers.IfNoneMatch.Add(tag);
        }
        else if (previous?.LastModified is { } modified)
        {
            request.Headers.IfModifiedSince = modified;
        }
    }

    /// <summary>A failure that also stops the rest of the lesson (quota, disk).</summary>
    private void Stop(FetchRun run, Work work, string problem, int? status = null, Followed? followed = null)
    {
        Fail(run, work, problem, status, followed);
        run.StopReason = $"not fetched: {problem}";
    }

    /// <summary>Reports a failure; an intact copy from an earlier fetch is kept (better than nothing in front of a class) and the line says so.</summary>
    private void Fail(
        FetchRun run, Work work, string problem, int? status = null, Followed? followed = null, FetchOutcome outcome = FetchOutcome.Failed)
    {
        var previous = Previous(run, work);
        if (previous is not null)
        {
            run.Keep(previous);
            problem += $"; the copy from {previous.FetchedAt:yyyy-MM-dd HH:mm} UTC is kept";
        }

        run.Add(work, outcome, problem, null, status, followed?.FinalUrl, followed?.Chain);
    }
}
