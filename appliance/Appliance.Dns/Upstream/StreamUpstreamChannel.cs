using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;

namespace Appliance.Dns.Upstream;

/// <summary>
/// A persistent, pipelined stream connection to an upstream: plain TCP (RFC 7766) for answers that came back
/// truncated over UDP, or DNS-over-TLS (RFC 7858) when the upstream is configured for it. Queries are queued
/// and written by one writer; one reader hands every answer to the forwarder, which matches it by id and
/// question, so answers may come back in any order. The connection opens on demand and closes when idle.
/// </summary>
public sealed class StreamUpstreamChannel : IUpstreamChannel, IDisposable
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);
    private readonly Forwarder _forwarder;
    private readonly Channel<byte[]> _outgoing = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(1_024) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2Collection? _trust;
    private Task? _run;

    public StreamUpstreamChannel(UpstreamServer server, Forwarder forwarder)
    {
        Server = server;
        _forwarder = forwarder;
        if (server.Options is { Tls: true, TlsCaFile: { } caFile })
        {
            _trust = [];
            _trust.ImportFromPemFile(caFile);
        }
    }

    public UpstreamServer Server { get; }

    public bool IsStream => true;

    /// <summary>Why the last connection attempt failed, for health pages; null after a success.</summary>
    public string? LastError { get; private set; }

    public bool TrySend(ReadOnlySpan<byte> query)
    {
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed.AsSpan(2));
        if (!_outgoing.Writer.TryWrite(framed))
        {
            return false;
        }

        if (_run is null)
        {
            lock (_outgoing)
            {
                _run ??= Task.Run(RunAsync);
            }
        }

        return true;
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (!await _outgoing.Reader.WaitToReadAsync(_stop.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Stream? stream = null;
            try
            {
                stream = await ConnectAsync();
                LastError = null;
                using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var reader = ReadLoopAsync(stream, connection);
                await WriteLoopAsync(stream, connection.Token);
                await connection.CancelAsync();
                await reader;
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                LastError = ex.Message;
                if (stream is null)
                {
                    // Could not even connect: drop what is queued *before* reporting the failure, so that the retries
                    // the forwarder then sends (possibly on this channel again) are not thrown away with it.
                    while (_outgoing.Reader.TryRead(out _))
                    {
                    }
                }

                _forwarder.OnChannelFailed(this);
                if (stream is null)
                {

                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200), _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
            finally
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync();
                }
            }
        }
    }

    private async Task<Stream> ConnectAsync()
    {
        var options = Server.Options;
        var socket = new Socket(options.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // A peer that vanishes without a reset (a NAT entry expired, the resolver rebooted) must be noticed in
            // seconds, not after the kernel's default of about 15 minutes: keepalive probes while idle, and
            // TCP_USER_TIMEOUT (Linux, RFC 5482 semantics) for data that goes unacknowledged.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 10);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 2);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
            if (OperatingSystem.IsLinux())
            {
                socket.SetRawSocketOption(6 /* IPPROTO_TCP */, 18 /* TCP_USER_TIMEOUT */, BitConverter.GetBytes(5_000));
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(options.EndPoint, timeout.Token);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (!options.Tls)
            {
                return stream;
            }

            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            var authentication = new SslClientAuthenticationOptions
            {
                // RFC 7858 §4.2 / RFC 8310: authenticate the upstream by name.
                TargetHost = options.TlsName ?? options.EndPoint.Address.ToString(),
                ApplicationProtocols = [new SslApplicationProtocol("dot")],
            };
            if (_trust is not null)
            {
                authentication.CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                };
                authentication.CertificateChainPolicy.CustomTrustStore.AddRange(_trust);
            }

            await tls.AuthenticateAsClientAsync(authentication, timeout.Token);
            return tls;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task WriteLoopAsync(Stream stream, CancellationToken cancel)
    {
        while (true)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            idle.CancelAfter(IdleTimeout);
            try
            {
                if (!await _outgoing.Reader.WaitToReadAsync(idle.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                return;   // idle: close; the next query reconnects
            }

            while (_outgoing.Reader.TryRead(out var framed))
            {
                await stream.WriteAsync(framed, cancel);
            }

            await stream.FlushAsync(cancel);
        }
    }

    private async Task ReadLoopAsync(Stream stream, CancellationTokenSource connection)
    {
        var length = new byte[2];
        var buffer = new byte[65_535];
        var scratch = new byte[65_536];
        try
        {
            while (true)
            {
                await stream.ReadExactlyAsync(length, connection.Token);
                var size = BinaryPrimitives.ReadUInt16BigEndian(length);
                await stream.ReadExactlyAsync(buffer.AsMemory(0, size), connection.Token);
                _forwarder.OnResponseGuarded(this, buffer.AsSpan(0, size), scratch);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or EndOfStreamException or ObjectDisposedException)
        {
            // The connection ended (idle close, upstream close, or error). Queries still waiting on it are retried
            // by the forwarder's timeout scan; an abrupt end is reported so that happens now.
            if (!connection.IsCancellationRequested)
            {
                _forwarder.OnChannelFailed(this);
                await connection.CancelAsync();
            }
        }
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        // Cancel, never dispose, the token source: the connection loop may still be reading its token.
        _stop.Cancel();
        _outgoing.Writer.TryComplete();
    }
}
