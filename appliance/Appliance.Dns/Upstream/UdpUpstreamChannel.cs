using System.Net.Sockets;

namespace Appliance.Dns.Upstream;

/// <summary>
/// One connected UDP socket to an upstream. Connecting makes the kernel pick a random ephemeral source port
/// and drop datagrams from any other address (a first anti-spoofing filter; the forwarder then matches id and
/// question), and it surfaces ICMP port-unreachable as ConnectionRefused so a dead upstream fails fast.
/// A box can start with its uplink unplugged: connecting then fails at once (no route), so the channel stays
/// unconnected, each send tries again (a cheap system call) and fails over like a dead upstream, and the receive loop
/// starts once a connect succeeds. DNS for local names and the web UI come up regardless.
/// </summary>
public sealed class UdpUpstreamChannel : IUpstreamChannel, IDisposable
{
    private readonly Forwarder _forwarder;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _connecting = new();
    private Task? _loop;
    private volatile bool _connected;
    private bool _started;

    private int _sent;

    public UdpUpstreamChannel(UpstreamServer server, Forwarder forwarder, long openedAt = 0)
    {
        Server = server;
        _forwarder = forwarder;
        OpenedAt = openedAt;
        _socket = new Socket(server.Family, SocketType.Dgram, ProtocolType.Udp);
        TryConnect();
    }

    public UpstreamServer Server { get; }

    public bool IsStream => false;

    /// <summary>When this socket was opened (<see cref="TimeProvider.GetTimestamp"/>), for rotation.</summary>
    public long OpenedAt { get; }

    /// <summary>Queries sent on this socket so far.</summary>
    public int Sent => Volatile.Read(ref _sent);

    public void Start()
    {
        lock (_connecting)
        {
            _started = true;
            if (_connected)
            {
                _loop ??= Task.Run(ReceiveLoopAsync);
            }
        }
    }

    public bool TrySend(ReadOnlySpan<byte> query)
    {
        if (!_connected && !TryConnect())
        {
            return false;
        }

        try
        {
            Interlocked.Increment(ref _sent);
            return _socket.Send(query, SocketFlags.None) == query.Length;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // An unconnected UDP socket would receive from anyone, so the receive loop starts only after a connect succeeds.
    private bool TryConnect()
    {
        lock (_connecting)
        {
            if (_connected)
            {
                return true;
            }

            try
            {
                _socket.Connect(Server.Options.EndPoint);
            }
            catch (SocketException)
            {
                return false;   // no route yet (ENETUNREACH, EHOSTUNREACH): the forwarder counts it as a failed send
            }
            catch (Exception ex) when (ex is ObjectDisposedException or PlatformNotSupportedException)
            {
                return false;   // disposed; or a runtime that will not connect a socket again after a failed connect
            }

            _connected = true;
            if (_started)
            {
                _loop ??= Task.Run(ReceiveLoopAsync);
            }

            return true;
        }
    }

    private async Task ReceiveLoopAsync()
    {
        // 64 KiB: a UDP answer larger than we asked for is still read whole and then judged, not cut.
        var buffer = GC.AllocateArray<byte>(65_536, pinned: true);
        var scratch = new byte[65_536];
        while (!_stop.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, _stop.Token);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
            {
                _forwarder.OnChannelFailed(this);
                continue;
            }
            catch (SocketException)
            {
                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }

            _forwarder.OnResponseGuarded(this, buffer.AsSpan(0, received), scratch);
        }
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        // Cancel, never dispose, the token source: the receive loop may still be reading its token.
        _stop.Cancel();
        _socket.Dispose();
    }
}
