using System.Net;
using System.Text;
using Appliance.Protocols;
using Appliance.Protocols.Radius;
using Appliance.Radius.Dynamic;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Radius.Tests.Dynamic;

/// <summary>The Disconnect client against a hand-driven NAS on loopback; its timers run on a fake clock.</summary>
public sealed class DisconnectClientTests : IDisposable
{
    private readonly FakeNas _nas = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 9, 1, 16, 0, 0, TimeSpan.Zero));
    private readonly DisconnectClient _client;

    public DisconnectClientTests() => _client = new DisconnectClient(new DisconnectClientOptions(), _time, NullLogger.Instance);

    public void Dispose() => _nas.Dispose();

    private DisconnectRequest Request(string secret = FakeNas.Secret) =>
        new(_nas.EndPoint, Encoding.UTF8.GetBytes(secret), "98E96DE6D70C6804", "guest-0042", "92-E2-00-EF-97-34", IPAddress.Parse("192.0.2.10"), "hall-ap");

    [Fact]
    public async Task SendAsync_Request_IsCode40WithMessageAuthenticatorFirstAndBothAuthenticatorsRight()
    {
        var send = _client.SendAsync(Request(), CancellationToken.None);
        var (request, from) = await _nas.ReceiveAsync();

        Assert.Equal((byte)RadiusCode.DisconnectRequest, request[0]);
        Assert.Equal(RadiusAttributeType.MessageAuthenticator, request[20]);   // first attribute (BlastRADIUS)
        Assert.True(RadiusAuthenticators.VerifyAccountingRequest(request, FakeNas.SecretBytes));   // RFC 5176 §2.3
        Assert.Equal(MessageAuthenticatorCheck.Valid, RadiusAuthenticators.VerifyMessageAuthenticator(request, default, FakeNas.SecretBytes));
        var attributes = request.AsSpan(20);
        Assert.Equal("98E96DE6D70C6804", Text(attributes, RadiusAttributeType.AcctSessionId));
        Assert.Equal("guest-0042", Text(attributes, RadiusAttributeType.UserName));
        Assert.Equal("92-E2-00-EF-97-34", Text(attributes, RadiusAttributeType.CallingStationId));
        Assert.Equal("hall-ap", Text(attributes, RadiusAttributeType.NasIdentifier));
        Assert.Equal(ParseStatus.Ok, RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.NasIpAddress, out var nasIp));
        Assert.Equal(IPAddress.Parse("192.0.2.10").GetAddressBytes(), nasIp.ToArray());
        Assert.Equal(ParseStatus.Ok, RadiusAttributeReader.TryFind(attributes, RadiusAttributeType.EventTimestamp, out var stamp));
        Assert.Equal((uint)_time.GetUtcNow().ToUnixTimeSeconds(), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(stamp));

        await _nas.ReplyAsync(from, FakeNas.Answer(request, RadiusCode.DisconnectAck));
        Assert.Equal(new DisconnectResult(DisconnectOutcome.Acked, 1), await send);
    }

    [Fact]
    public async Task SendAsync_FirstSendLost_RetransmitsTheSameBytesAfterTheTimeout()
    {
        var send = _client.SendAsync(Request(), CancellationToken.None);
        var (first, _) = await _nas.ReceiveAsync();
        _time.Advance(TimeSpan.FromSeconds(2));
        var (second, from) = await _nas.ReceiveAsync();

        Assert.Equal(first, second);   // same Identifier and authenticator: the NAS can see a duplicate (RFC 5080 §2.2.1)
        await _nas.ReplyAsync(from, FakeNas.Answer(second, RadiusCode.DisconnectAck));
        Assert.Equal(new DisconnectResult(DisconnectOutcome.Acked, 2), await send);
    }

    [Fact]
    public async Task SendAsync_NoAnswer_TimesOutAfterFourSendsWithDoublingWaits()
    {
        var send = _client.SendAsync(Request(), CancellationToken.None);
        foreach (var wait in new[] { 2, 4, 8, 16 })
        {
            await _nas.ReceiveAsync();
            _time.Advance(TimeSpan.FromSeconds(wait) - TimeSpan.FromMilliseconds(1));
            Assert.False(send.IsCompleted);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(new DisconnectResult(DisconnectOutcome.TimedOut, 4), await send);
    }

    [Fact]
    public async Task SendAsync_NakWithErrorCause_ReturnsTheCause()
    {
        var send = _client.SendAsync(Request(), CancellationToken.None);
        var (request, from) = await _nas.ReceiveAsync();
        await _nas.ReplyAsync(from, FakeNas.Answer(request, RadiusCode.DisconnectNak, (uint)DisconnectErrorCause.SessionContextNotFound));
        Assert.Equal(new DisconnectResult(DisconnectOutcome.Nakked, 1, 503), await send);
    }

    [Fact]
    public async Task SendAsync_ForgedAndMismatchedReplies_AreIgnoredUntilTheRealOne()
    {
        var send = _client.SendAsync(Request(), CancellationToken.None);
        var (request, from) = await _nas.ReceiveAsync();
        await _nas.ReplyAsync(from, FakeNas.Answer(request, RadiusCode.DisconnectAck, secret: "another-secret-of-enough-length"));
        await _nas.ReplyAsync(from, FakeNas.Answer(request, RadiusCode.DisconnectAck, identifier: unchecked((byte)(request[1] + 1))));
        await _nas.ReplyAsync(from, FakeNas.Answer(request, RadiusCode.CoaAck));
        var tampered = FakeNas.Answer(request, RadiusCode.DisconnectNak, 503);
        tampered[^1] ^= 1;   // Error-Cause changed in flight: the Response Authenticator no longer matches
        await _nas.ReplyAsync(from, tampered);
        await _nas.ReplyAsync(from, FakeNas.Answer(request, RadiusCode.DisconnectAck, withMessageAuthenticator: false));   // RFC 5176 does not require it

        Assert.Equal(new DisconnectResult(DisconnectOutcome.Acked, 1, null, IgnoredReplies: 4), await send);
    }

    [Fact]
    public async Task SendAsync_OnlyForgedReplies_StillTimesOut()
    {
        var send = _client.SendAsync(Request(), CancellationToken.None);
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var (request, from) = await _nas.ReceiveAsync();
            await _nas.ReplyAsync(from, FakeNas.Answer(request, RadiusCode.DisconnectAck, secret: "another-secret-of-enough-length"));
            _time.Advance(TimeSpan.FromSeconds(16));
        }

        var result = await send;   // how many forgeries were read before each wait ended is up to the scheduler; none may end it
        Assert.Equal((DisconnectOutcome.TimedOut, 4), (result.Outcome, result.Attempts));
    }

    [Fact]
    public void Write_AttributeTooLong_GivesZero()
    {
        var request = Request() with { UserName = new string('x', 254) };
        Assert.Equal(0, DisconnectPacket.Write(request, 1, _time.GetUtcNow(), new byte[4096]));
    }

    private static string Text(ReadOnlySpan<byte> attributes, byte type)
    {
        Assert.Equal(ParseStatus.Ok, RadiusAttributeReader.TryFind(attributes, type, out var value));
        return Encoding.UTF8.GetString(value);
    }
}
