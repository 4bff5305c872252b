using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using Appliance.TestSupport;

namespace Appliance.Lessons.Tests;

/// <summary>
/// A real HTTP server on 127.0.0.1 (System.Net.HttpListener) for the pre-fetch tests: routes answer with set bodies and
/// headers, redirects, ETag revalidation, chunked or gzip bodies, and "slow" routes that hold the request until the
/// test releases them (the test moves a FakeTimeProvider instead of sleeping). Disposing stops it: the mirror tests
/// then read copies with the site gone.
/// </summary>
internal sealed class LessonSiteServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly ConcurrentDictionary<string, Func<HttpListenerContext, Task>> _routes = new();
    private readonly Task _loop;
    private readonly CancellationTokenSource _stopping = new();
    private bool _disposed;

    public LessonSiteServer()
    {
        _listener = LoopbackListener.Start(out var port);
        Port = port;
        _loop = Task.Run(Serve);
    }

    public int Port { get; }

    /// <summary>Every request as "path If-None-Match".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}/{path}");

    public string Origin => $"http://127.0.0.1:{Port}";

    public void Route(string path, Func<HttpListenerContext, Task> handler) => _routes[path] = handler;

    public void Remove(string path) => _routes.TryRemove(path, out _);

    /// <summary>A body with a Content-Type and optional headers; answers 304 to a matching If-None-Match when an ETag is set.</summary>
    public void File(string path, string contentType, byte[] body, params (string Name, string Value)[] headers) => Route(path, async context =>
    {
        var response = context.Response;
        foreach (var (name, value) in headers)
        {
            response.AddHeader(name, value);
        }

        var etag = headers.FirstOrDefault(h => h.Name == "ETag").Value;
        if (etag is not null && context.Request.Headers["If-None-Match"] == etag)
        {
            response.StatusCode = 304;
            return;
        }

        response.ContentType = contentType;
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body);
    });

    public void Text(string path, string contentType, string body, params (string Name, string Value)[] headers) =>
        File(path, contentType, Encoding.UTF8.GetBytes(body), headers);

    public void Redirect(string path, string location, int status = 302) => Route(path, context =>
    {
        context.Response.StatusCode = status;
        context.Response.AddHeader("Location", location);
        return Task.CompletedTask;
    });

    public void Status(string path, int status) => Route(path, context =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    });

    /// <summary>A body sent chunked, with no Content-Length at all.</summary>
    public void Chunked(string path, string contentType, int bytes) => Route(path, async context =>
    {
        context.Response.ContentType = contentType;
        context.Response.SendChunked = true;
        var block = new byte[64 * 1024];
        for (var sent = 0; sent < bytes; sent += block.Length)
        {
            await context.Response.OutputStream.WriteAsync(block.AsMemory(0, Math.Min(block.Length, bytes - sent)), _stopping.Token);
        }
    });

    /// <summary>A gzip body whose Content-Length (of the compressed bytes) is tiny beside what it decodes to.</summary>
    public void GzipBomb(string path, int decodedBytes)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(new byte[decodedBytes]);
        }

        var body = compressed.ToArray();
        Route(path, async context =>
        {
            context.Response.ContentType = "image/png";
            context.Response.AddHeader("Content-Encoding", "gzip");
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
        });
    }

    /// <summary>A route that holds each request until <paramref name="release"/> completes; <paramref name="arrived"/> completes when one comes.</summary>
    public void Slow(string path, TaskCompletionSource arrived, Task release) => Route(path, async context =>
    {
        arrived.TrySetResult();
        await Task.WhenAny(release, Task.Delay(Timeout.Infinite, _stopping.Token));
        context.Response.ContentType = "text/html";
        await context.Response.OutputStream.WriteAsync("<p>late</p>"u8.ToArray());
    });

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => Handle(context));
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        var path = context.Request.Url!.PathAndQuery.TrimStart('/');
        Requests.Enqueue($"{path} {context.Request.Headers["If-None-Match"] ?? "-"}");
        try
        {
            if (_routes.TryGetValue(path, out var handler))
            {
                await handler(context);
            }
            else
            {
                context.Response.StatusCode = 404;
            }

            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException or OperationCanceledException or IOException)
        {
            // The client went away (a timeout or a size limit closed the connection) or the server is stopping.
            context.Response.Abort();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping.Cancel();
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stopping.Dispose();
    }
}
