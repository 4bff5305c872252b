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
                // For example out of file descriptors (EMFILE): back off instead of spinning on the error.
                await Task.Delay(50);
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
        var connection = new Connection(client, _stop.Token);
        try
        {
            await connection.RunAsync(_processor, _options.TcpIdleTimeout);
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

    /// <summary>
    /// One client connection: a reader that processes queries in order and a writer for answers. Everything a
    /// client could hold is bounded in time or bytes — a whole message must arrive within the idle timeout, each
    /// write must complete within <see cref="WriteTimeout"/>, unread answers may queue up to
    /// <see cref="MaxQueuedBytes"/> — so a slow or hostile client cannot pin a connection slot or memory.
    /// </summary>
    private sealed class Connection : IReplySink, IDisposable
    {
        private const int MaxQueuedBytes = 256 * 1024;
        private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);
        private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
        private readonly Socket _socket;
        private readonly SocketAddress _address;
        private readonly Channel<byte[]> _answers = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _cancel;
        private int _pending;
        private long _queuedBytes;
        private volatile bool _closed;

        public Connection(Socket socket, CancellationToken stop)
        {
            _socket = socket;
            _socket.NoDelay = true;
            _address = socket.RemoteEndPoint!.Serialize();
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        }

        public bool IsStream => true;

        [ThreadStatic]
        private static byte[]? t_responseScratch;

        /// <summary>A 64 KiB answer buffer per thread: bounded by the thread count, not the connection count.</summary>
        private static byte[] ResponseScratch => t_responseScratch ??= new byte[DnsLimits.MaxMessageLength];

        // Called from the forwarder's threads too, possibly after the connection has closed.
        public void SendReply(ReadOnlySpan<byte> response, SocketAddress address)
        {
            Interlocked.Decrement(ref _pending);
            if (_closed)
            {
                return;
            }

            if (Interlocked.Add(ref _queuedBytes, response.Length + 2) > MaxQueuedBytes)
            {
                try
                {
                    _ = _cancel.CancelAsync();   // the client is not reading its answers: close rather than buffer
                }
                catch (ObjectDisposedException)
                {
                }

                return;
            }

            var framed = new byte[response.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)response.Length);
            response.CopyTo(framed.AsSpan(2));
            _answers.Writer.TryWrite(framed);
        }

        public async Task RunAsync(QueryProcessor processor, TimeSpan idleTimeout)
        {
            var writer = WriteLoopAsync();
            var length = new byte[2];
            try
            {
                while (true)
                {
                    // RFC 7766 §6.2.3: a connection that sends no query for the idle timeout is closed, once the
                    // answers it is owed have gone out. The whole message, length and body, must arrive within that
                    // time, so a client trickling bytes cannot hold the connection.
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token);
                    deadline.CancelAfter(idleTimeout);
                    try
                    {
                        if (await ReadAsync(length, deadline.Token) == 0)
                        {
                            break;
                        }

                        var size = BinaryPrimitives.ReadUInt16BigEndian(length);
                        if (size == 0 || !await ProcessOneAsync(processor, size, deadline.Token))
                        {
                            break;
                        }
                    }
                    catch (OperationCanceledException) when (!_cancel.IsCancellationRequested)
                    {
                        break;   // idle, or too slow to send a whole message
                    }
                }

                // Owed answers (forwarded queries) get a bounded time to come back and go out.
                var until = DateTime.UtcNow + DrainTimeout;
                while (Volatile.Read(ref _pending) > 0 && DateTime.UtcNow < until)
                {
                    await Task.Delay(20, _cancel.Token);
                }
            }
            finally
            {
                _answers.Writer.TryComplete();
                await writer;
            }
        }

        // Per-connection memory stays small (256 connections may be open on a Pi): the query is read into a pooled
        // buffer of its own size, and answered into a per-thread scratch buffer (Process is synchronous).
        private async Task<bool> ProcessOneAsync(QueryProcessor processor, int size, CancellationToken deadline)
        {
            var query = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                if (await ReadAsync(query.AsMemory(0, size), deadline) == 0)
                {
                    return false;
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

                return true;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(query);
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

        private async Task WriteLoopAsync()
        {
            try
            {
                await foreach (var framed in _answers.Reader.ReadAllAsync(_cancel.Token))
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token);
                    deadline.CancelAfter(WriteTimeout);
                    await _socket.SendAsync(framed, SocketFlags.None, deadline.Token);
                    Interlocked.Add(ref _queuedBytes, -framed.Length);
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A client that does not take its answers within the write timeout is cut off, reader included.
                await _cancel.CancelAsync();
            }
        }

        public void Dispose()
        {
            _closed = true;
            _socket.Dispose();
            _cancel.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "DNS over TCP: connection limit {Limit} reached; closing a new connection")]
        public static partial void TooManyConnections(ILogger logger, int limit);
    }
}
