using System.Net;

namespace Appliance.Dns.Transport;

/// <summary>
/// Where a forwarded query's answer goes when it comes back: the UDP listener it arrived on (to the saved
/// address) or the TCP connection (which ignores the address).
/// </summary>
public interface IReplySink
{
    /// <summary>True for stream transports: no size limit but 64 KiB, and no TC.</summary>
    bool IsStream { get; }

    void SendReply(ReadOnlySpan<byte> response, SocketAddress address);
}
