using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Tests.Fetch;

/// <summary>Slow sites, timeouts and caching, on a FakeTimeProvider: nothing here sleeps or measures wall-clock time.</summary>
public sealed class LessonFetcherTimingTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FetchAsync_SiteSlowerThanTheRequestTimeout_FailsThatItemAndGoesOn()
    {
        using var bed = new LessonTestBed();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource();
        bed.Site.Slow("slow.html", arrived, release.Task);
        bed.Site.Text("fine.html", "text/html", "<p>fine</p>");

        var fetching = bed.FetchAsync("slow", null, "slow.html", "fine.html");
        await arrived.Task.WaitAsync(Guard);
        bed.Time.Advance(TimeSpan.FromSeconds(30));
        var report = await fetching.WaitAsync(Guard);
        release.SetResult();

        Assert.Equal((FetchOutcome.Failed, "the site did not answer in time (30 s)"), (report.Items[0].Outcome, report.Items[0].Problem));
        Assert.Equal(FetchOutcome.Fetched, report.Items[1].Outcome);
    }

    [Fact]
    public async Task FetchAsync_LessonDeadlinePassed_StopsAndSkipsTheRest()
    {
        using var bed = new LessonTestBed();
        var (arrived1, arrived2) = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var release = new TaskCompletionSource();
        bed.Site.Slow("slow1.html", arrived1, release.Task);
        bed.Site.Slow("slow2.html", arrived2, release.Task);
        bed.Site.Text("fine.html", "text/html", "<p>fine</p>");
        var limits = new FetchLimits { RequestTimeout = TimeSpan.FromSeconds(30), LessonDeadline = TimeSpan.FromSeconds(45) };

        var fetching = bed.FetchAsync("late", limits, "slow1.html", "slow2.html", "fine.html");
        await arrived1.Task.WaitAsync(Guard);
        bed.Time.Advance(TimeSpan.FromSeconds(30));
        await arrived2.Task.WaitAsync(Guard);
        bed.Time.Advance(TimeSpan.FromSeconds(15));
        var report = await fetching.WaitAsync(Guard);
        release.SetResult();

        Assert.Equal("the site did not answer in time (30 s)", report.Items[0].Problem);
        Assert.Equal((FetchOutcome.Failed, "stopped: the whole pre-fetch took longer than its limit (00:00:45)"), (report.Items[1].Outcome, report.Items[1].Problem));
        Assert.Equal((FetchOutcome.Skipped, "not fetched: the pre-fetch ran out of time (00:00:45)"), (report.Items[2].Outcome, report.Items[2].Problem));
        Assert.DoesNotContain(bed.Site.Requests, r => r.StartsWith("fine.html", StringComparison.Ordinal));
        Assert.Equal(bed.Time.GetUtcNow(), report.FinishedAt);
    }

    [Fact]
    public async Task FetchAsync_StaleCopyWithETag_IsRevalidatedAndKeptOn304()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("p.html", "text/html", "<p>v1</p>", ("ETag", "\"v1\""), ("Cache-Control", "no-cache"));
        var first = await bed.FetchAsync("c", null, "p.html");
        var blob = bed.Store.Resources("c").Single().BlobHash;

        var second = await bed.FetchAsync("c", null, "p.html");

        Assert.Equal(FetchOutcome.Fetched, first.Items.Single().Outcome);
        Assert.Equal((FetchOutcome.NotModified, 304), (second.Items.Single().Outcome, second.Items.Single().HttpStatus));
        Assert.Equal(["p.html -", "p.html \"v1\""], bed.Site.Requests);
        Assert.Equal(blob, bed.Store.Resources("c").Single().BlobHash);
    }

    [Fact]
    public async Task FetchAsync_FreshCopy_IsNotAskedForUntilItGoesStale()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("p.html", "text/html", "<p>v1</p>", ("ETag", "\"v1\""), ("Cache-Control", "max-age=3600"));
        await bed.FetchAsync("c", null, "p.html");

        var fresh = await bed.FetchAsync("c", null, "p.html");
        bed.Time.Advance(TimeSpan.FromHours(2));
        var stale = await bed.FetchAsync("c", null, "p.html");

        Assert.Equal(FetchOutcome.StillFresh, fresh.Items.Single().Outcome);
        Assert.Equal(FetchOutcome.NotModified, stale.Items.Single().Outcome);
        Assert.Equal(["p.html -", "p.html \"v1\""], bed.Site.Requests);
    }

    [Fact]
    public async Task FetchAsync_StaleCopyWithLastModifiedOnly_IsRevalidatedWithIfModifiedSince()
    {
        using var bed = new LessonTestBed();
        var modified = DateTimeOffset.UtcNow.AddDays(-3);
        var asked = new System.Collections.Concurrent.ConcurrentQueue<string>();
        bed.Site.Route("p.css", async context =>
        {
            asked.Enqueue(context.Request.Headers["If-Modified-Since"] ?? "-");
            context.Response.AddHeader("Cache-Control", "no-cache");
            context.Response.AddHeader("Last-Modified", modified.ToString("R"));
            if (context.Request.Headers["If-Modified-Since"] is not null)
            {
                context.Response.StatusCode = 304;
                return;
            }

            context.Response.ContentType = "text/css";
            await context.Response.OutputStream.WriteAsync("p { }"u8.ToArray());
        });

        await bed.FetchAsync("lm", null, "p.css");
        var second = await bed.FetchAsync("lm", null, "p.css");

        Assert.Equal(FetchOutcome.NotModified, second.Items.Single().Outcome);
        Assert.Equal(["-", modified.ToString("R")], asked);
    }

    [Fact]
    public async Task FetchAsync_SiteFailsOnRefetch_KeepsThePreviousCopyAndSaysSo()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("p.html", "text/html", "<p>v1</p>");
        await bed.FetchAsync("k", null, "p.html");
        bed.Site.Status("p.html", 503);

        var report = await bed.FetchAsync("k", null, "p.html");

        Assert.Equal(FetchOutcome.Failed, report.Items.Single().Outcome);
        Assert.Matches(@"^the site answered 503 Service Unavailable; the copy from \d{4}-\d\d-\d\d \d\d:\d\d UTC is kept$", report.Items.Single().Problem);
        Assert.Single(bed.Store.Resources("k"));
    }
}
