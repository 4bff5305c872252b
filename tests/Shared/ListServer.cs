using System.Net;
using System.Text;

namespace Appliance.TestSupport;

/// <summary>A real HTTP server on loopback (HttpListener) that serves set bodies with an ETag and honours If-None-Match.</summary>
internal sealed class ListServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Dictionary<string, (byte[] Body, string ETag)> _files = [];
    private readonly Task _loop;

    public ListServer()
    {
        _listener = LoopbackListener.Start(out var port);
        Port = port;
        _loop = Task.Run(Serve);
    }

    public int Port { get; }

    public List<string> Requests { get; } = [];

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    public void Set(string path, string body)
    {
        lock (_files)
        {
            _files[path] = (Encoding.UTF8.GetBytes(body), $"\"v{Guid.NewGuid():N}\"");
        }
    }

    /// <summary>Takes a file away: requests for it get 404.</summary>
    public void Remove(string path)
    {
        lock (_files)
        {
            _files.Remove(path);
        }
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath.TrimStart('/');
            (byte[] Body, string ETag) file;
            bool found;
            lock (_files)
            {
                found = _files.TryGetValue(path, out file);
                Requests.Add($"{path} {context.Request.Headers["If-None-Match"] ?? "-"}");
            }

            var response = context.Response;
            if (!found)
            {
                response.StatusCode = 404;
            }
            else if (context.Request.Headers["If-None-Match"] == file.ETag)
            {
                response.StatusCode = 304;
            }
            else
            {
                response.Headers["ETag"] = file.ETag;
                response.ContentLength64 = file.Body.Length;
                await response.OutputStream.WriteAsync(file.Body);
            }

            response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
