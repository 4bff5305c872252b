using System.Net.Sockets;
using Appliance.Lessons.Content;
using Appliance.Lessons.Fetch;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Lessons.Tests;

/// <summary>A site server, a store in a fresh temporary folder, a fake clock and a fetcher; all removed on dispose.</summary>
internal sealed class LessonTestBed : IDisposable
{
    public LessonTestBed(long quotaBytes = 1L << 30, Func<string, Stream>? createTemp = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "lessons-test-" + Guid.NewGuid().ToString("N"));
        var options = new ContentStoreOptions(Root, quotaBytes);
        Store = createTemp is null ? new ContentStore(options) : new ContentStore(options, createTemp);
        // The server's Date header is real time; the fake clock starts there so freshness arithmetic is meaningful.
        Time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        Http = LessonFetcher.CreateHttpClient(LoopbackOnlyAsync);
        Fetcher = new LessonFetcher(Http, Store, Time);
    }

    public LessonSiteServer Site { get; } = new();

    public string Root { get; }

    public ContentStore Store { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Http { get; }

    public LessonFetcher Fetcher { get; }

    public Task<FetchReport> FetchAsync(string lessonId, FetchLimits? limits = null, params string[] pages) =>
        Fetcher.FetchAsync(new LessonFetchRequest(lessonId, [.. pages.Select(Site.Url)], limits ?? new FetchLimits()), CancellationToken.None);

    /// <summary>Files left in the blobs folder that are not blobs (a temporary file not cleaned up).</summary>
    public string[] IncomingFiles() => Directory.GetFiles(Path.Combine(Root, "blobs"), ".incoming-*", SearchOption.AllDirectories);

    public string[] BlobFiles() => [.. Directory.GetFiles(Path.Combine(Root, "blobs"), "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.'))];

    /// <summary>
    /// Tests send traffic to loopback only: should a bug make the fetcher follow another site's asset
    /// (cdn.example.org in the sample page), the connection is refused here instead of leaving the machine.
    /// </summary>
    private static async ValueTask<Stream> LoopbackOnlyAsync(SocketsHttpConnectionContext context, CancellationToken cancel)
    {
        var host = context.DnsEndPoint.Host;
        if (host is not ("127.0.0.1" or "::1" or "[::1]" or "localhost"))
        {
            throw new HttpRequestException($"test guard: {host} is not loopback");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancel);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Site.Dispose();
        Http.Dispose();
        Store.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>A small lesson site: a page using same-site assets in every way a page can, and one of another site.</summary>
internal static class SampleSite
{
    public const string Page = """
        <!DOCTYPE html>
        <html><head>
        <title>Volcanoes</title>
        <link rel="stylesheet" href="/css/site.css">
        <link rel="icon" href="favicon.ico">
        <script src="js/app.js"></script>
        <script src="http://cdn.example.org/lib.js"></script>
        <style>body { background: url('img/bg.png') }</style>
        </head><body>
        <img src="img/a.png" srcset="img/a-2x.png 2x, img/a-3x.png 3x">
        <picture><source srcset="/img/b.webp" type="image/webp"><img src="/img/b.png"></picture>
        <video src="media/clip.mp4" poster="img/poster.png"><track src="media/clip.vtt"></video>
        <div style="background-image: url(&quot;img/div.png&quot;)">x</div>
        <a href="other.html">another page (not followed)</a>
        <a href="http://www.example.org/live">live site</a>
        <a href="#top">top</a>
        </body></html>
        """;

    public static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];

    public static readonly string[] Assets =
    [
        "css/site.css", "css/fonts.css", "css/deep.css", "fonts/f.woff2", "img/sprite.png", "favicon.ico", "js/app.js", "img/bg.png",
        "img/a.png", "img/a-2x.png", "img/a-3x.png", "img/b.webp", "img/b.png", "media/clip.mp4", "img/poster.png", "media/clip.vtt", "img/div.png",
    ];

    public const string SiteCss = """
        @import "fonts.css";
        @import url(deep.css);
        .s { background: url(../img/sprite.png) }
        .x { background: url(http://cdn.example.org/bg.png) }
        """;

    public static void Serve(LessonSiteServer site)
    {
        site.Text("lesson.html", "text/html; charset=utf-8", Page);
        site.Text("css/site.css", "text/css", SiteCss);
        site.Text("css/fonts.css", "text/css", "@font-face { font-family: f; src: url(\"/fonts/f.woff2\") format(\"woff2\") }");
        site.Text("css/deep.css", "text/css", "/* url(not-this.png) */ p { color: red }");
        site.Text("fonts/f.woff2", "font/woff2", "wOF2 not really a font");
        site.Text("js/app.js", "text/javascript", "console.log('app');");
        site.Text("media/clip.vtt", "text/vtt", "WEBVTT");
        site.File("media/clip.mp4", "video/mp4", [0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70]);
        site.File("favicon.ico", "image/x-icon", [0, 0, 1, 0]);
        site.File("img/b.webp", "image/webp", [.. "RIFF\0\0\0\0WEBP"u8]);
        foreach (var image in Assets.Where(a => a.EndsWith(".png", StringComparison.Ordinal)))
        {
            site.File(image, "image/png", Png);
        }
    }
}
