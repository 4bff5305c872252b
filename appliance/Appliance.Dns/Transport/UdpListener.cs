using System.Net;
using System.Net.Sockets;
using Appliance.Dns.Resolution;
using Microsoft.Extensions.Logging;

namespace Appliance.Dns.Transport;

/// <summary>
/// A UDP listener on one endpoint, portable engine: one receive loop using the <see cref="SocketAddress"/>
/// overloads of <c>ReceiveFromAsync</c> (no <see cref="EndPoint"/> objects; dotnet/runtime#30797), processing
/// each datagram inline and answering with a synchronous <c>SendTo</c>. Allocation-free once warm.
/// </summary>
public sealed partial class UdpListener : IReplySink, IUdpListener
{
    private readonly Socket _socket;
    private readonly QueryProcessor _processor;
    private readonly ILogger _logger;
    private volatile bool _stopping;
    private Task? _loop;

    public UdpListener(IPEndPoint endPoint, QueryProcessor processor, ILogger logger)
    {
        _processor = processor;
        _logger = logger;
        _socket = UdpSockets.Bind(endPoint);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public bool IsStream => false;

    public void Start() => _loop = Task.Factory.StartNew(ReceiveLoopAsync, TaskCreationOptions.LongRunning).Unwrap();

    public void SendReply(ReadOnlySpan<byte> response, SocketAddress address)
    {
        try
        {
            _socket.SendTo(response, SocketFlags.None, address);
        }
        catch (SocketException ex)
        {
            Log.SendFailed(_logger, LocalEndPoint, ex.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down: the answer has nowhere to go.
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var receive = GC.AllocateArray<byte>(65_536, pinned: true);
        var send = GC.AllocateArray<byte>(65_536, pinned: true);
        var remote = new SocketAddress(_socket.AddressFamily);
        while (!_stopping)
        {
            int received;
            try
            {
                // No cancellation token: registering one per receive allocates. Dispose closes the socket, which
                // ends a pending receive with OperationAborted or ObjectDisposedException.
                received = await _socket.ReceiveFromAsync(receive.AsMemory(), SocketFlags.None, remote);
            }
            catch (SocketException) when (_stopping)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                // ICMP errors for earlier sends can surface here; they concern one client, not the listener.
                Log.ReceiveFailed(_logger, LocalEndPoint, ex.SocketErrorCode);
                continue;
            }

            try
            {
                var length = _processor.Process(receive.AsSpan(0, received), send, remote.Buffer.Span[..remote.Size], this);
                if (length > 0)
                {
                    SendReply(send.AsSpan(0, length), remote);
                }
            }
            catch (Exception ex)
            {
                Log.ProcessFailed(_logger, LocalEndPoint, ex);   // loop boundary: record, drop this query, carry on
            }
        }
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _socket.Dispose();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "UDP send on {Listener} failed: {Error}")]
        public static partial void SendFailed(ILogger logger, IPEndPoint listener, SocketError error);

        [LoggerMessage(EventId = 111, Level = LogLevel.Debug, Message = "UDP receive on {Listener} failed: {Error}")]
        public static partial void ReceiveFailed(ILogger logger, IPEndPoint listener, SocketError error);

        [LoggerMessage(EventId = 116, Level = LogLevel.Error, Message = "Processing a query on {Listener} failed; the query was dropped")]
        public static partial void ProcessFailed(ILogger logger, IPEndPoint listener, Exception exception);
    }
}

/// <summary>Socket set-up shared by the UDP engines.</summary>
internal static class UdpSockets
{
    public static Socket Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;   // one listener per address family, as configured
            }

            // Large buffers ride out bursts (a school's morning log-on) without kernel drops.
            socket.ReceiveBufferSize = 4 * 1024 * 1024;
            socket.SendBufferSize = 4 * 1024 * 1024;
            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
