using System.Net;
using System.Net.Sockets;
using Appliance.Core.Net;
using Appliance.Radius.Clients;
using Microsoft.Extensions.Logging;

namespace Appliance.Radius.Server;

/// <summary>
/// The RADIUS server's UDP side (RFC 2865 §3, RFC 2866 §3): an authentication and an accounting socket, each with one
/// receive loop. A datagram from an address that is no client is dropped unanswered; a retransmission gets the reply
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

    private RadiusServer(Socket auth, Socket accounting, RadiusClients clients, IPasswordVerifier passwords, TimeProvider time, ILogger logger,
        Accounting.AccountingIdentityMap? identities)
    {
        _auth = auth;
        _accounting = accounting;
        _clients = clients;
        _handler = new RadiusHandler(passwords, Counters, identities);
        _cache = new ReplyCache(time, TimeSpan.FromSeconds(5));
        _logger = logger;
        _loops = [Task.Run(() => LoopAsync(_auth)), Task.Run(() => LoopAsync(_accounting))];
    }

    public RadiusCounters Counters { get; } = new();

    public IPEndPoint AuthEndPoint => (IPEndPoint)_auth.LocalEndPoint!;

    public IPEndPoint AccountingEndPoint => (IPEndPoint)_accounting.LocalEndPoint!;

    /// <summary>Binds both ports (1812 and 1813 by default) and starts answering.</summary>
    /// <exception cref="SocketException">A port is taken or not ours to bind.</exception>
    public static RadiusServer Start(IPEndPoint auth, IPEndPoint accounting, RadiusClients clients, IPasswordVerifier passwords, TimeProvider time, ILogger logger,
        Accounting.AccountingIdentityMap? identities = null)
    {
        var authSocket = Bind(auth);
        try
        {
            return new RadiusServer(authSocket, Bind(accounting), clients, passwords, time, logger, identities);
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

    private async Task LoopAsync(Socket socket)
    {
        var request = GC.AllocateUninitializedArray<byte>(4096, pinned: true);
        var reply = GC.AllocateUninitializedArray<byte>(4096, pinned: true);
        var from = new SocketAddress(socket.AddressFamily);
        while (!_stop.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(request, SocketFlags.None, from, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;   // an ICMP error for an earlier reply, or an oversized datagram: nothing to answer
            }

            var length = Answer(request.AsSpan(0, received), from, reply);
            if (length > 0)
            {
                try
                {
                    await socket.SendToAsync(reply.AsMemory(0, length), SocketFlags.None, from, _stop.Token);
                }
                catch (SocketException ex)
                {
                    Log.SendFailed(_logger, ex.SocketErrorCode);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // The reply's length in reply, or 0 to send nothing.
    private int Answer(ReadOnlySpan<byte> datagram, SocketAddress from, Span<byte> reply)
    {
        if (!ClientAddress.TryFromSockaddr(from.Buffer.Span, out var source) || datagram.Length < 20)
        {
            Interlocked.Increment(ref Counters.MalformedField);
            return 0;
        }

        var sourceAddress = source.ToIPAddress();
        var client = _clients.Find(sourceAddress);
        if (client is null)
        {
            Interlocked.Increment(ref Counters.UnknownClientField);
            return 0;
        }

        var key = RequestKey.Of(source, datagram[1], datagram.Slice(4, 16));
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

        var length = _handler.Handle(datagram, client, reply, sourceAddress);
        if (length > 0)
        {
            _cache.Complete(key, reply[..length]);
        }
        else
        {
            _cache.Abandon(key);
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
    }
}
