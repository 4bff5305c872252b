using System.Net;

namespace Appliance.Dns.Transport;

/// <summary>A bound UDP listener, batched (Linux) or async (portable), before and after it starts serving.</summary>
public interface IUdpListener : IDisposable
{
    /// <summary>The address and port actually bound (a requested port 0 becomes the one the system chose).</summary>
    IPEndPoint LocalEndPoint { get; }

    void Start();
}
