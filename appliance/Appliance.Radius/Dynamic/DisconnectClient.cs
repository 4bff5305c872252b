using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Appliance.Radius.Dynamic;

/// <summary>How a Disconnect-Request ended.</summary>
public enum DisconnectOutcome
{
    /// <summary>Disconnect-ACK: the NAS ended the session (RFC 5176 §2.1).</summary>
    Acked,

    /// <summary>Disconnect-NAK: see <see cref="DisconnectResult.ErrorCause"/>.</summary>
    Nakked,

    /// <summary>No valid answer after every retransmission (NAS down, wrong secret, DAS not enabled, firewall).</summary>
    TimedOut,

    /// <summary>The request could not be written (an attribute too long) or sent (no route).</summary>
    Failed,
}

/// <param name="Outcome">ACK, NAK, no answer, or not sent.</param>
/// <param name="Attempts">How many times the request was sent.</param>
/// <param name="ErrorCause">The NAK's Error-Cause (RFC 5176 §3.5), if it had one.</param>
/// <param name="IgnoredReplies">Datagrams that were no valid answer (bad authenticator, wrong identifier): forgeries or a wrong secret.</param>
public readonly record struct DisconnectResult(DisconnectOutcome Outcome, int Attempts, uint? ErrorCause = null, int IgnoredReplies = 0);

/// <summary>Timers for one request: the first wait, doubled after each retransmission up to a cap.</summary>
public sealed record DisconnectClientOptions
{
    public TimeSpan InitialTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxTimeout { get; init; } = TimeSpan.FromSeconds(16);

    /// <summary>Sends in all, the first included (2 + 4 + 8 + 16 s by default: within hostapd's 300 s Event-Timestamp window).</summary>
    public int MaxAttempts { get; init; } = 4;
}

/// <summary>Sends a Disconnect-Request and waits for its answer; the sweeper depends on this, tests replace it.</summary>
public interface IDisconnectSender
{
    Task<DisconnectResult> SendAsync(DisconnectRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The Dynamic Authorization client side of RFC 5176: one UDP socket per request, connected to the NAS so that only
/// its datagrams arrive. A retransmission is the same datagram, same Identifier and Request Authenticator, so that the
/// NAS can recognise a duplicate (RFC 5080 §2.2.1) and does not act twice; waits double between sends. A datagram
/// that is no valid answer is ignored and counted, and the wait goes on: a forger cannot end the wait with a fake NAK.
/// <code>
///   send ──► wait(timeout) ──► valid ACK/NAK ──► done
///              │  └─ invalid datagram: count, keep waiting
///              └─ timeout: attempts left? timeout = min(2 × timeout, cap), send again : TimedOut
/// </code>
/// </summary>
public sealed partial class DisconnectClient(DisconnectClientOptions options, TimeProvider time, ILogger logger) : IDisconnectSender
{
    private readonly Func<IPEndPoint, Socket> _createSocket = endPoint => new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);

    /// <summary>For tests: sockets made elsewhere (inside a network namespace).</summary>
    internal DisconnectClient(DisconnectClientOptions options, TimeProvider time, ILogger logger, Func<IPEndPoint, Socket> createSocket)
        : this(options, time, logger) => _createSocket = createSocket;

    public async Task<DisconnectResult> SendAsync(DisconnectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var datagram = new byte[Protocols.Radius.RadiusLimits.MaxPacketLength];
        var length = DisconnectPacket.Write(request, (byte)RandomNumberGenerator.GetInt32(256), time.GetUtcNow(), datagram);
        if (length == 0)
        {
            Log.NotWritten(logger, request.Nas, request.AcctSessionId);
            return new DisconnectResult(DisconnectOutcome.Failed, 0);
        }

        var sent = datagram.AsMemory(0, length);
        using var socket = _createSocket(request.Nas);
        var reply = new byte[Protocols.Radius.RadiusLimits.MaxPacketLength];
        var timeout = options.InitialTimeout;
        var ignored = 0;
        try
        {
            await socket.ConnectAsync(request.Nas, cancellationToken).ConfigureAwait(false);
            for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
            {
                using var wait = new CancellationTokenSource(timeout, time);   // timed from before the send: an answer can be quicker than the send's return
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, cancellationToken);
                await socket.SendAsync(sent, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                while (true)
                {
                    int received;
                    try
                    {
                        received = await socket.ReceiveAsync(reply, SocketFlags.None, linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        break;   // this attempt's wait is over
                    }
                    catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
                    {
                        // ICMP port unreachable for an earlier send: nothing listens (yet); wait the attempt out, then retry.
                        await WaitOutAsync(linked.Token, cancellationToken).ConfigureAwait(false);
                        break;
                    }

                    switch (DisconnectPacket.ReadReply(reply.AsSpan(0, received), sent.Span, request.Secret.Span, out var cause))
                    {
                        case DisconnectReplyKind.Ack:
                            Log.Acked(logger, request.Nas, request.AcctSessionId, attempt);
                            return new DisconnectResult(DisconnectOutcome.Acked, attempt, cause, ignored);
                        case DisconnectReplyKind.Nak:
                            Log.Nakked(logger, request.Nas, request.AcctSessionId, cause ?? 0);
                            return new DisconnectResult(DisconnectOutcome.Nakked, attempt, cause, ignored);
                        default:
                            ignored++;
                            Log.Ignored(logger, request.Nas, received);
                            break;
                    }
                }

                timeout = TimeSpan.FromTicks(Math.Min(timeout.Ticks * 2, options.MaxTimeout.Ticks));
            }
        }
        catch (SocketException ex)
        {
            Log.SendFailed(logger, request.Nas, ex.SocketErrorCode);
            return new DisconnectResult(DisconnectOutcome.Failed, 0, null, ignored);
        }

        Log.TimedOut(logger, request.Nas, request.AcctSessionId, options.MaxAttempts);
        return new DisconnectResult(DisconnectOutcome.TimedOut, options.MaxAttempts, null, ignored);
    }

    private async Task WaitOutAsync(CancellationToken attempt, CancellationToken caller)
    {
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, attempt).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 340, Level = LogLevel.Information, Message = "Disconnect-ACK from {Nas} for session {Session} (attempt {Attempt})")]
        public static partial void Acked(ILogger logger, IPEndPoint nas, string? session, int attempt);

        [LoggerMessage(EventId = 341, Level = LogLevel.Warning, Message = "Disconnect-NAK from {Nas} for session {Session}: Error-Cause {ErrorCause}")]
        public static partial void Nakked(ILogger logger, IPEndPoint nas, string? session, uint errorCause);

        [LoggerMessage(EventId = 342, Level = LogLevel.Warning, Message = "No answer from {Nas} to a Disconnect-Request for session {Session} after {Attempts} sends")]
        public static partial void TimedOut(ILogger logger, IPEndPoint nas, string? session, int attempts);

        [LoggerMessage(EventId = 343, Level = LogLevel.Warning, Message = "Ignored a {Length}-byte datagram from {Nas}: not a valid answer (wrong secret or forged)")]
        public static partial void Ignored(ILogger logger, IPEndPoint nas, int length);

        [LoggerMessage(EventId = 344, Level = LogLevel.Warning, Message = "Disconnect-Request to {Nas} not sent: {Error}")]
        public static partial void SendFailed(ILogger logger, IPEndPoint nas, SocketError error);

        [LoggerMessage(EventId = 345, Level = LogLevel.Error, Message = "Disconnect-Request to {Nas} for session {Session} does not fit in a RADIUS packet")]
        public static partial void NotWritten(ILogger logger, IPEndPoint nas, string? session);
    }
}
