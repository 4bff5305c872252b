using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Appliance.Dns.Resolution;
using Appliance.Protocols.Dns;
using Microsoft.Extensions.Logging;

namespace Appliance.Dns.Transport;

/// <summary>
/// DNS over TCP (RFC 7766): two-byte length prefix, several queries per connection (pipelining), answers
/// written as they are ready — so out of order when some are forwarded — an idle timeout (§6.2.3) and a cap
/// on connections (beyond it new connections are closed at once, protecting the UDP path's memory).
/// </summary>
public sealed partial class DnsTcpListener : IDisposable
{
    private readonly Socket _socket;
    private readonly QueryProcessor _processor;
    private readonly DnsServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private int _connections;
    private int _disposed;
    private Task? _accept;

    public DnsTcpListener(IPEndPoint endPoint, QueryProcessor processor, DnsServerOptions options, ILogger logger)
    {
        _processor = processor;
        _options = options;
        _logger = logger;
        _socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                _socket.DualMode = false;
            }

            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.Bind(endPoint);
            _socket.Listen(512);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public int Connections => Volatile.Read(ref _connections);

    public void Start() => _accept = AcceptLoopAsync();

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                continue;
            }

            if (Interlocked.Increment(ref _connections) > _options.MaxTcpConnections)
            {
                Interlocked.Decrement(ref _connections);
                Log.TooManyConnections(_logger, _options.MaxTcpConnections);
                client.Dispose();
                continue;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var connection = new Connection(client);
        try
        {
            await connection.RunAsync(_processor, _options.TcpIdleTimeout, _stop.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or idled out: nothing to report.
        }
        finally
        {
            connection.Dispose();
            Interlocked.Decrement(ref _connections);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Cancel, never dispose, the token source: connection tasks may still be reading its token.
        _stop.Cancel();
        _socket.Dispose();
    }

    /// <summary>One client connection: a reader that processes queries in order and a writer for answers.</summary>
    private sealed class Connection : IReplySink, IDisposable
    {
        private readonly Socket _socket;
        private readonly SocketAddress _address;
        private readonly Channel<byte[]> _answers = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

        private int _pending;

        public Connection(Socket socket)
        {
            _socket = socket;
            _socket.NoDelay = true;
            _address = socket.RemoteEndPoint!.Serialize();
        }

        public bool IsStream => true;

        [ThreadStatic]
        private static byte[]? t_responseScratch;

        /// <summary>A 64 KiB answer buffer per thread: bounded by the thread count, not the connection count.</summary>
        private static byte[] ResponseScratch => t_responseScratch ??= new byte[DnsLimits.MaxMessageLength];

        public void SendReply(ReadOnlySpan<byte> response, SocketAddress address)
        {
            var framed = new byte[response.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)response.Length);
            response.CopyTo(framed.AsSpan(2));
            Interlocked.Decrement(ref _pending);
            _answers.Writer.TryWrite(framed);   // bounded: a client that never reads cannot grow our memory
        }

        public async Task RunAsync(QueryProcessor processor, TimeSpan idleTimeout, CancellationToken stop)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var writer = WriteLoopAsync(cancel.Token);
            // Per-connection memory stays small (the cap allows 256 connections on a Pi): each query is read into
            // a pooled buffer of its own size, and answered into a per-thread scratch buffer (Process is synchronous).
            var length = new byte[2];
            try
            {
                while (true)
                {
                    using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token))
                    {
                        // RFC 7766 §6.2.3: close idle connections, but not while answers are still owed.
                        idle.CancelAfter(idleTimeout);
                        try
                        {
                            if (await ReadAsync(length, idle.Token) == 0)
                            {
                                break;
                            }
                        }
                        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                        {
                            if (Volatile.Read(ref _pending) > 0)
                            {
                                continue;
                            }

                            break;
                        }
                    }

                    var size = BinaryPrimitives.ReadUInt16BigEndian(length);
                    if (size == 0)
                    {
                        break;
                    }

                    var query = ArrayPool<byte>.Shared.Rent(size);
                    try
                    {
                        if (await ReadAsync(query.AsMemory(0, size), cancel.Token) == 0)
                        {
                            break;
                        }

                        Interlocked.Increment(ref _pending);
                        var response = ResponseScratch;
                        var answer = processor.Process(query.AsSpan(0, size), response, _address.Buffer.Span[.._address.Size], this);
                        if (answer > 0)
                        {
                            SendReply(response.AsSpan(0, answer), _address);
                        }
                        else if (answer == 0)
                        {
                            Interlocked.Decrement(ref _pending);   // dropped: no answer is owed
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(query);
                    }
                }

                // Let owed answers drain before closing (bounded by the resolver's own timeout).
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while (Volatile.Read(ref _pending) > 0 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(20, cancel.Token);
                }
            }
            finally
            {
                _answers.Writer.TryComplete();
                await writer;
            }
        }

        private async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancel)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var n = await _socket.ReceiveAsync(buffer[total..], SocketFlags.None, cancel);
                if (n == 0)
                {
                    return 0;
                }

                total += n;
            }

            return total;
        }

        private async Task WriteLoopAsync(CancellationToken cancel)
        {
            try
            {
                await foreach (var framed in _answers.Reader.ReadAllAsync(cancel))
                {
                    await _socket.SendAsync(framed, SocketFlags.None, cancel);
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        public void Dispose() => _socket.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "DNS over TCP: connection limit {Limit} reached; closing a new connection")]
        public static partial void TooManyConnections(ILogger logger, int limit);
    }
}
