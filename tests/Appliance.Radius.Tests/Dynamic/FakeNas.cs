using System.Net;
using System.Net.Sockets;
using Appliance.Protocols.Radius;

namespace Appliance.Radius.Tests.Dynamic;

/// <summary>A NAS's Dynamic Authorization port on loopback that the test drives by hand: read a request, answer it (or not).</summary>
internal sealed class FakeNas : IDisposable
{
    public const string Secret = "a-long-shared-secret-for-tests";
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public FakeNas() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public static byte[] SecretBytes => System.Text.Encoding.UTF8.GetBytes(Secret);

    /// <summary>The next datagram and where it came from; fails the test after 5 s of real time.</summary>
    public async Task<(byte[] Datagram, EndPoint From)> ReceiveAsync()
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        return (buffer[..result.ReceivedBytes], result.RemoteEndPoint);
    }

    public Task ReplyAsync(EndPoint to, byte[] reply) => _socket.SendToAsync(reply, SocketFlags.None, to);

    /// <summary>A Disconnect-ACK or -NAK to <paramref name="request"/>, as a NAS writes it (Message-Authenticator included unless told not to).</summary>
    public static byte[] Answer(byte[] request, RadiusCode code, uint? errorCause = null, string secret = Secret, byte? identifier = null,
        bool withMessageAuthenticator = true)
    {
        var buffer = new byte[4096];
        var writer = new RadiusPacketWriter(buffer);
        Assert.True(writer.TryWriteHeader(code, identifier ?? request[1], request.AsSpan(4, 16), withMessageAuthenticator));
        if (errorCause is { } cause)
        {
            Assert.True(writer.TryWriteUInt32(RadiusAttributeType.ErrorCause, cause));
        }

        Assert.True(writer.TryFinish(System.Text.Encoding.UTF8.GetBytes(secret), out var length));
        return buffer[..length];
    }

    public void Dispose() => _socket.Dispose();
}
