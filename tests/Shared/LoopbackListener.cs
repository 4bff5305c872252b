using System.Net;

namespace Appliance.TestSupport;

/// <summary>Starts an HttpListener on 127.0.0.1 on a free port, for the test web servers that need one.</summary>
internal static class LoopbackListener
{
    public static HttpListener Start(out int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            // A listener whose Start failed (the port was taken) is closed for good: try again with a new one.
            port = Random.Shared.Next(20_000, 60_000);
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return listener;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                listener.Close();
            }
        }
    }
}
