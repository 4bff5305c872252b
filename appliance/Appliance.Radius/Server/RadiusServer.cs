using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Appliance.Core.Net;
using Appliance.Protocols.Radius;
using Appliance.Radius.Clients;
using Microsoft.Extensions.Logging;

namespace Appliance.Radius.Server;

/// <summary>
/// The RADIUS server's UDP side (RFC 2865 §3, RFC 2866 §3): an authentication and an accounting socket, each with one
/// receive loop feeding a pool of workers (one per core). A datagram from an address that is no client is dropped unanswered; a retransmission gets the reply
/// the first copy got (<see cref="ReplyCache"/>, RFC 5080 §2.2.2). Receives and sends use <see cref="SocketAddress"/>,
/// as the DNS listeners do. Unlike the DNS path this one is not allocation-free and need not be (a school sends a few
/// requests a second): the client lookup makes an <see cref="IPAddress"/>, PAP a user-name string, the cache a copy
/// of each reply.
/// </summary>
public sealed partial class RadiusServer : IAsyncDisposable
{
    private readonly Socket _auth;
    private readonly Socket _accounting;
    private readonly RadiusClients _clients;
    private readonly RadiusHandler _handler;
    private readonly ReplyCache _cache;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private readonly Channel<Work> _work;

    /// <summary>Requests waiting for a worker; past this they are dropped (a burst after an AP reboot is a few hundred).</summary>
    private const int QueueLength = 1024;

    private RadiusServer(Socket auth, Socket accounting, RadiusServices services)
    {
        _auth = auth;
        _accounting = accounting;
        _clients = services.Clients;
        _handler = new RadiusHandler(services, Counters);
        _cache = new ReplyCache(services.Time, TimeSpan.FromSeconds(5));
        _logger = services.Logger;
        _work = Channel.CreateBounded<Work>(new BoundedChannelOptions(QueueLength) { FullMode = BoundedChannelFullMode.DropWrite });
        var workers = Math.Max(2, Environment.ProcessorCount);
        _loops = [Task.Run(() => ReceiveAsync(_auth)), Task.Run(() => ReceiveAsync(_accounting)), .. Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync))];
    }

    public RadiusCounters Counters { get; } = new();

    public IPEndPoint AuthEndPoint => (IPEndPoint)_auth.LocalEndPoint!;

    public IPEndPoint AccountingEndPoint => (IPEndPoint)_accounting.LocalEndPoint!;

    /// <summary>Binds both ports (1812 and 1813 by default) and starts answering.</summary>
    /// <exception cref="SocketException">A port is taken or not ours to bind.</exception>
    public static RadiusServer Start(IPEndPoint auth, IPEndPoint accounting, RadiusServices services)
    {
        var authSocket = Bind(auth);
        try
        {
            return new RadiusServer(authSocket, Bind(accounting), services);
        }
        catch
        {
            authSocket.Dispose();
            throw;
        }
    }

    private static Socket Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // Receives only: each datagram goes to a worker, so a slow answer (a PBKDF2 check, a TLS handshake's RSA signature)
    // does not hold up the next request. When every worker is busy and the queue is full the datagram is dropped and
    // counted; the access point retransmits (RFC 2865 §2.4).
    private async Task ReceiveAsync(Socket socket)
    {
        while (!_stop.IsCancellationRequested)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(RadiusLimits.MaxPacketLength);
            var from = new SocketAddress(socket.AddressFamily);
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return;
            }
            catch (SocketException ex)
            {
                // ConnectionReset/MessageSize: an ICMP error for an earlier reply, or an oversized datagram. Anything
                // else is logged; the loop goes on (a receive loop that ended would leave the server deaf).
                ArrayPool<byte>.Shared.Return(buffer);
                if (ex.SocketErrorCode is not (SocketError.ConnectionReset or SocketError.MessageSize))
                {
                    Log.ReceiveFailed(_logger, ex.SocketErrorCode);
                }

                continue;
            }

            // Unknown sources are dropped here, before the queue: spoofed traffic cannot fill it and crowd out the APs.
            if (!ClientAddress.TryFromSockaddr(from.Buffer.Span, out var source) || _clients.Find(source.ToIPAddress()) is not { } client)
            {
                Interlocked.Increment(ref Counters.UnknownClientField);
                ArrayPool<byte>.Shared.Return(buffer);
                continue;
            }

            if (!_work.Writer.TryWrite(new Work(socket, buffer, received, from, source, client)))
            {
                Interlocked.Increment(ref Counters.OverloadedField);
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private async Task WorkAsync()
    {
        var reply = new byte[RadiusLimits.MaxPacketLength];
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(_stop.Token))
            {
                int length;
                try
                {
                    length = Answer(work, reply);
                }
                catch (Exception ex)
                {
                    // A request that throws (the user store on a full disk, a bug) is dropped and logged; the worker
                    // lives on. The access point retransmits, and a later try may succeed.
                    Interlocked.Increment(ref Counters.FailedField);
                    Log.RequestFailed(_logger, work.Client.Name, ex);
                    length = 0;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(work.Datagram);
                }

                if (length > 0)
                {
                    try
                    {
                        await work.Socket.SendToAsync(reply.AsMemory(0, length), SocketFlags.None, work.From, _stop.Token);
                    }
                    catch (SocketException ex)
                    {
                        Log.SendFailed(_logger, ex.SocketErrorCode);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private readonly record struct Work(Socket Socket, byte[] Datagram, int Length, SocketAddress From, ClientAddress Source, RadiusClient Client);

    // The reply's length in reply, or 0 to send nothing.
    private int Answer(in Work work, Span<byte> reply)
    {
        var datagram = work.Datagram.AsSpan(0, work.Length);
        if (datagram.Length < 20)
        {
            Interlocked.Increment(ref Counters.MalformedField);
            return 0;
        }

        var key = RequestKey.Of(work.Source, datagram[1], datagram.Slice(4, 16));
        switch (_cache.Begin(key, out var cached))
        {
            case ReplyCacheResult.Answered:
                Interlocked.Increment(ref Counters.DuplicatesField);
                cached.CopyTo(reply);
                return cached!.Length;
            case ReplyCacheResult.InProgress:
                Interlocked.Increment(ref Counters.DuplicatesField);
                return 0;
        }

        var length = 0;
        try
        {
            length = _handler.Handle(datagram, work.Client, reply, work.Source.ToIPAddress());
        }
        finally
        {
            if (length > 0)
            {
                _cache.Complete(key, reply[..length]);
            }
            else
            {
                _cache.Abandon(key);   // also when Handle threw: the retransmission is answered afresh
            }
        }

        return length;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops);
        }
        finally
        {
            _auth.Dispose();
            _accounting.Dispose();
            _stop.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "RADIUS reply not sent: {Error}")]
        public static partial void SendFailed(ILogger logger, SocketError error);

        [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "RADIUS receive failed: {Error}")]
        public static partial void ReceiveFailed(ILogger logger, SocketError error);

        [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "RADIUS request from {Client} dropped: it failed")]
        public static partial void RequestFailed(ILogger logger, string client, Exception exception);
    }
}
