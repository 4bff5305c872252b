using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Appliance.IntegrationTests.Peers;

/// <summary>
/// A real web site for the lesson tests: Kestrel on 127.0.0.1 (any Host header: the site's names point here through
/// the appliance's own hosts file), serving a lesson page with a stylesheet, an image, a font and a script of its own
/// site, an image of another site, and a redirect. Disposing stops it: the mirror is then read with the site gone.
/// </summary>
public sealed class LessonSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LessonSite(WebApplication app, int port, System.Collections.Concurrent.ConcurrentQueue<string> requests)
        => (_app, Port, Requests) = (app, port, requests);

    public int Port { get; }

    /// <summary>Every request as "host path".</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; }

    public static async Task<LessonSite> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        app.Use((context, next) =>
        {
            requests.Enqueue($"{context.Request.Host.Host} {context.Request.Path}");
            return next(context);
        });
        app.MapGet("/lava.html", () => Results.Content("""
            <!doctype html><html><head><title>Lava flows</title><link rel="stylesheet" href="/css/site.css"><script src="js/quiz.js"></script></head>
            <body><h1>How lava flows</h1><img src="img/lava.png" alt="lava"><img src="http://other.test/tracker.png" alt="">
            <a href="/next.html">Next</a></body></html>
            """, "text/html; charset=utf-8"));
        app.MapGet("/css/site.css", () => Results.Text("@font-face { font-family: V; src: url('../fonts/v.woff2'); } h1 { background: url(/img/bg.png) }", "text/css"));
        app.MapGet("/js/quiz.js", () => Results.Text("document.title += ' (quiz)';", "text/javascript"));
        app.MapGet("/img/{name}.png", (string name) => Results.Bytes([0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, .. System.Text.Encoding.ASCII.GetBytes(name)], "image/png"));
        app.MapGet("/fonts/v.woff2", () => Results.Bytes("wOF2 font bytes"u8.ToArray(), "font/woff2"));
        app.MapGet("/old-lava.html", () => Results.Redirect("/lava.html", permanent: true));
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        return new LessonSite(app, port, requests);
    }

    public string Url(string host, string path) => $"http://{host}:{Port}/{path}";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
