using System.Security.Cryptography;
using Appliance.Lessons.Fetch;
using Appliance.Lessons.Mirror;

namespace Appliance.Lessons.Tests.Mirror;

public sealed class LessonMirrorTests
{
    private static readonly LessonIndexInfo Info = new("Volcanoes", "Ms Example", "Tuesdays 10:00-11:00, room 12", []);

    [Fact]
    public async Task Resolve_AfterTheSiteIsGone_ServesCopiesWithLinksRewritten()
    {
        using var bed = new LessonTestBed();
        SampleSite.Serve(bed.Site);
        await bed.FetchAsync("volcanoes", null, "lesson.html");
        var origin = bed.Site.Origin;
        var host = $"127.0.0.1:{bed.Site.Port}";
        var m = $"/volcanoes/http/{host}";
        bed.Site.Dispose();
        var mirror = new LessonMirror(bed.Store, id => id == "volcanoes" ? Info : null);

        var page = Assert.IsType<MirrorResult.Resource>(mirror.Resolve("volcanoes", $"http/{host}/lesson.html", null));
        var html = await ReadAsync(page);
        var css = await ReadAsync(Assert.IsType<MirrorResult.Resource>(mirror.Resolve("volcanoes", $"http/{host}/css/site.css", "")));
        var image = Assert.IsType<MirrorResult.Resource>(mirror.Resolve("volcanoes", $"http/{host}/img/a.png", null));

        Assert.Equal("text/html; charset=utf-8", page.ContentType);
        Assert.Contains($"href=\"{m}/css/site.css\"", html, StringComparison.Ordinal);
        Assert.Contains($"src=\"{m}/img/a.png\" srcset=\"{m}/img/a-2x.png 2x, {m}/img/a-3x.png 3x\"", html, StringComparison.Ordinal);
        Assert.Contains($"url(\"{m}/img/bg.png\")", html, StringComparison.Ordinal);
        Assert.Contains($"url(&quot;{m}/img/div.png&quot;)", html, StringComparison.Ordinal);
        Assert.Contains($"poster=\"{m}/img/poster.png\"", html, StringComparison.Ordinal);
        // Other sites and pages not copied keep pointing at the internet; fragments stay.
        Assert.Contains("src=\"http://cdn.example.org/lib.js\"", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"{origin}/other.html\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"#top\"", html, StringComparison.Ordinal);
        Assert.Contains($"@import \"{m}/css/fonts.css\";", css, StringComparison.Ordinal);
        Assert.Contains($"@import url(\"{m}/css/deep.css\");", css, StringComparison.Ordinal);
        Assert.Contains($"url(\"{m}/img/sprite.png\")", css, StringComparison.Ordinal);
        Assert.Contains("url(\"http://cdn.example.org/bg.png\")", css, StringComparison.Ordinal);
        Assert.Equal("image/png", image.ContentType);
        Assert.Equal(SampleSite.Png, await ReadBytesAsync(image));
        Assert.Equal($"\"{Convert.ToHexStringLower(SHA256.HashData(SampleSite.Png))}\"", image.ETag);
    }

    [Fact]
    public async Task Resolve_PageThatRedirected_IsFoundUnderBothAddresses()
    {
        using var bed = new LessonTestBed();
        bed.Site.Redirect("old", "/new.html");
        bed.Site.Text("new.html", "text/html", "<img src=x.png>");
        bed.Site.File("x.png", "image/png", SampleSite.Png);
        await bed.FetchAsync("r", null, "old");
        var mirror = new LessonMirror(bed.Store, _ => Info);
        var host = $"127.0.0.1:{bed.Site.Port}";

        var viaOld = await ReadAsync(Assert.IsType<MirrorResult.Resource>(mirror.Resolve("r", $"http/{host}/old", null)));

        Assert.IsType<MirrorResult.Resource>(mirror.Resolve("r", $"http/{host}/new.html", null));
        Assert.Contains($"src=\"/r/http/{host}/x.png\"", viaOld, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_NoRoomForTheRewrittenCopy_ReportsItAndServesTheOriginal()
    {
        // The page (15 bytes) and image (11) fit in 60 bytes; the page with its link rewritten (about 80) does not.
        using var bed = new LessonTestBed(quotaBytes: 60);
        bed.Site.Text("p.html", "text/html", "<img src=x.png>");
        bed.Site.File("x.png", "image/png", SampleSite.Png);

        var report = await bed.FetchAsync("q", null, "p.html");
        var page = Assert.IsType<MirrorResult.Resource>(new LessonMirror(bed.Store, _ => Info).Resolve("q", $"http/127.0.0.1:{bed.Site.Port}/p.html", null));

        var line = report.Items[^1];
        Assert.Equal(FetchOutcome.Failed, line.Outcome);
        Assert.Matches(@"^the copy with links pointing at the box could not be stored \(storage quota full \(26/60 bytes\)\); the unchanged copy is served$", line.Problem);
        Assert.Equal(2, report.Items.Count(i => i.Outcome == FetchOutcome.Fetched));
        Assert.Equal("text/html", page.ContentType);
        Assert.Equal("<img src=x.png>", await ReadAsync(page));
    }

    [Theory]
    [InlineData("http/127.0.0.1:PORT/../../etc/passwd")]
    [InlineData("http/127.0.0.1:PORT/./p.html")]
    [InlineData("http/127.0.0.1:PORT/a%2f..%2fp.html")]
    [InlineData("http/127.0.0.1:PORT/%2e%2e/p.html")]
    [InlineData("http/127.0.0.1:PORT/a%5cp.html")]
    [InlineData("http/127.0.0.1:PORT\\p.html")]
    [InlineData("/etc/passwd")]
    [InlineData("file/127.0.0.1:PORT/p.html")]
    [InlineData("http/user@127.0.0.1:PORT/p.html")]
    [InlineData("http/127.0.0.1:PORT/p.html%00")]
    [InlineData("http/127.0.0.1:PORT/p.html\n")]
    [InlineData("http")]
    [InlineData("http/127.0.0.1:PORT/elsewhere.html")]
    public async Task Resolve_TraversalOrUnknownPath_IsNotFound(string path)
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("p.html", "text/html", "<p>x</p>");
        await bed.FetchAsync("t", null, "p.html");
        var mirror = new LessonMirror(bed.Store, _ => Info);

        var result = mirror.Resolve("t", path.Replace("PORT", bed.Site.Port.ToString(), StringComparison.Ordinal), null);

        Assert.IsType<MirrorResult.NotFound>(result);
        Assert.IsType<MirrorResult.Resource>(mirror.Resolve("t", $"http/127.0.0.1:{bed.Site.Port}/p.html", null));
    }

    [Theory]
    [InlineData("../t")]
    [InlineData("T%2F")]
    [InlineData("")]
    [InlineData("unknown")]
    public void Resolve_BadOrUnknownLesson_IsNotFound(string lessonId)
    {
        using var bed = new LessonTestBed();
        var mirror = new LessonMirror(bed.Store, id => id == "t" ? Info : null);

        Assert.IsType<MirrorResult.NotFound>(mirror.Resolve(lessonId, "", null));
        Assert.IsType<MirrorResult.IndexPage>(mirror.Resolve("t", "", null));
    }

    [Fact]
    public async Task Resolve_Index_ListsPagesAndFailuresAllHtmlEncoded()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("p.html", "text/html", "<img src='http://cdn.example.org/a.png'>");
        bed.Site.Status("gone.html", 404);
        await bed.FetchAsync("i", null, "p.html", "gone.html");
        var info = new LessonIndexInfo(
            "<script>alert('title')</script>", "O'Brien & \"Sons\"", "<b>today</b>",
            [new(bed.Site.Url("p.html"), "Read <i>this</i> first"), new(bed.Site.Url("gone.html"), "")]);
        var mirror = new LessonMirror(bed.Store, _ => info);

        var html = Assert.IsType<MirrorResult.IndexPage>(mirror.Resolve("i", "", null)).Html;

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>today", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("O&#39;Brien &amp; &quot;Sons&quot;", html, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/i/http/127.0.0.1:{bed.Site.Port}/p.html\">", html, StringComparison.Ordinal);
        Assert.Contains("not available offline: the site answered 404 Not Found", html, StringComparison.Ordinal);
        Assert.Contains("http://cdn.example.org/a.png – not mirrored (other site)", html, StringComparison.Ordinal);
        Assert.Contains(LessonIndexPage.HttpsStatement, html, StringComparison.Ordinal);
    }

    [Fact]
    public void MirrorPath_RoundTrips()
    {
        foreach (var text in new[] { "http://example.org/", "https://www.example.co.uk:8443/a/b%20c.png?x=1&y=%2F", "http://[::1]:8080/x" })
        {
            var url = new Uri(text);
            var path = MirrorPath.For("les-1", url);

            Assert.StartsWith("/les-1/", path, StringComparison.Ordinal);
            Assert.True(MirrorPath.TryParse(path["/les-1/".Length..].Split('?')[0], url.Query, out var back), path);
            Assert.Equal(url.AbsoluteUri, back.AbsoluteUri);
        }
    }

    [Fact]
    public void MirrorHeaders_AreTheSandboxTheBriefNames()
    {
        Assert.Equal(
            "sandbox allow-scripts allow-forms allow-popups; default-src 'self' data: blob: 'unsafe-inline' 'unsafe-eval'",
            MirrorHeaders.All.Single(h => h.Key == "Content-Security-Policy").Value);
        Assert.Equal("nosniff", MirrorHeaders.All.Single(h => h.Key == "X-Content-Type-Options").Value);
        Assert.Equal("no-referrer", MirrorHeaders.All.Single(h => h.Key == "Referrer-Policy").Value);
    }

    private static async Task<string> ReadAsync(MirrorResult.Resource resource) =>
        System.Text.Encoding.UTF8.GetString(await ReadBytesAsync(resource));

    private static async Task<byte[]> ReadBytesAsync(MirrorResult.Resource resource)
    {
        await using var content = resource.Content;
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer);
        Assert.Equal(resource.Length, buffer.Length);
        return buffer.ToArray();
    }
}
