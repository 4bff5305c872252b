using System.Buffers;
using Appliance.Protocols;
using Appliance.Protocols.Radius;
using Appliance.Radius.Tls;
using Appliance.Radius.Users;

namespace Appliance.Radius.Eap;

/// <summary>
/// The EAP server (RFC 3748 §4, RFC 3579): takes the supplicant's EAP-Response from an Access-Request, with the State
/// of the conversation it continues, and gives the next EAP packet. The tunnelled methods are PEAPv0 with EAP-MSCHAPv2
/// ([MS-PEAP]) and EAP-TTLS (RFC 5281) with PAP or MSCHAPv2; the first is proposed (it is the one every client can do
/// without a profile, radius.md §3) and a peer that wants the other says so with a Nak. Thread-safe: each conversation
/// is taken out of the table while one request works on it.
/// </summary>
public sealed class EapServer
{
    private readonly EapSessionTable _sessions;
    private readonly EapTlsContext _tls;
    private readonly IUserDirectory _users;
    private readonly TimeProvider _time;
    private readonly EapLimits _limits;
    private readonly byte[] _methods;
    private readonly string _serverName;

    /// <param name="tls">The tunnel's certificate and settings.</param>
    /// <param name="users">The user store the inner methods check against.</param>
    /// <param name="time">The clock for conversation expiry.</param>
    /// <param name="limits">Caps and timeouts (defaults in <see cref="EapLimits"/>).</param>
    /// <param name="methods">The methods offered, preferred first (default PEAP, then TTLS).</param>
    /// <param name="serverName">The name in MSCHAPv2 challenges (the RADIUS certificate's name).</param>
    public EapServer(EapTlsContext tls, IUserDirectory users, TimeProvider time, EapLimits? limits = null, byte[]? methods = null, string serverName = "appliance")
    {
        _serverName = serverName;
        _tls = tls;
        _users = users;
        _time = time;
        _limits = limits ?? new EapLimits();
        _sessions = new EapSessionTable(_limits, time);
        _methods = methods ?? [EapType.Peap, EapType.Ttls];
    }

    public int Conversations => _sessions.Count;

    public long Refused => _sessions.Refused;

    public long Expired => _sessions.Expired;

    public long Replaced => _sessions.Replaced;

    /// <summary>Answers one EAP-Response.</summary>
    /// <param name="eapPacket">The reassembled EAP-Message attributes.</param>
    /// <param name="state">The request's State attribute (empty when it had none).</param>
    /// <param name="clientName">The RADIUS client entry the request came from.</param>
    /// <param name="station">The device (Calling-Station-Id), when known: one conversation per device.</param>
    public EapOutcome Handle(ReadOnlySpan<byte> eapPacket, ReadOnlySpan<byte> state, string clientName, string? station = null)
    {
        if (EapPacketReader.TryRead(eapPacket, out var response) != ParseStatus.Ok || response.Code != EapCode.Response)
        {
            return Failure(eapPacket.Length > 1 ? eapPacket[1] : (byte)0, "not an EAP-Response");
        }

        var conversation = state.IsEmpty ? null : _sessions.Take(state, clientName);
        if (conversation is null)
        {
            return response.Type == EapType.Identity
                ? Begin(response, clientName, station)
                : Failure(response.Identifier, state.IsEmpty ? "a conversation must start with EAP-Response/Identity" : "unknown or expired State");
        }

        EapOutcome outcome;
        try
        {
            outcome = Continue(conversation, response);
        }
        catch (TlsSetupException ex)
        {
            outcome = Failure(response.Identifier, ex.Message);
        }
        catch
        {
            _sessions.End(conversation);   // its slot and its TLS session are freed; the server logs what was thrown
            throw;
        }

        if (outcome.Verdict == EapVerdict.Challenge)
        {
            _sessions.Continue(conversation, outcome.State);
        }
        else
        {
            _sessions.End(conversation);
        }

        return outcome;
    }

    private EapOutcome Begin(EapPacketReader identity, string clientName, string? station)
    {
        // The outer identity (often anonymous@realm, RFC 7542 §2.4) is not used: the inner method names the user.
        var conversation = new EapConversation(clientName, station, _time.GetUtcNow()) { Method = _methods[0] };
        var state = new byte[EapSessionTable.StateLength];
        if (!_sessions.TryAdd(conversation, state))
        {
            conversation.Dispose();
            return Failure(identity.Identifier, $"too many EAP conversations in progress (client {clientName})");
        }

        return Start(conversation, identity.Identifier, state);
    }

    // The method's Start (RFC 5216 §3.2: S set, no data; PEAP and TTLS put their version, 0, in the low bits).
    private static EapOutcome Start(EapConversation conversation, byte responseIdentifier, byte[] state)
    {
        conversation.Identifier = (byte)(responseIdentifier + 1);
        return Request(conversation, [(byte)EapTlsFlags.Start], state);
    }

    private EapOutcome Continue(EapConversation conversation, EapPacketReader response)
    {
        if (response.Identifier != conversation.Identifier)
        {
            return Failure(response.Identifier, $"EAP Identifier {response.Identifier} answers no request of ours ({conversation.Identifier})");
        }

        if (++conversation.RoundTrips > _limits.MaxRoundTrips)
        {
            return Failure(response.Identifier, "too many EAP round trips");
        }

        if (response.Type == EapType.Nak && !conversation.MethodAgreed)
        {
            return Renegotiate(conversation, response);
        }

        if (response.Type != conversation.Method)
        {
            return Failure(response.Identifier, $"EAP type {response.Type} in a {conversation.Method} conversation");
        }

        conversation.MethodAgreed = true;
        conversation.Tunnel ??= TlsTunnel.Accept(_tls);
        conversation.Identifier = (byte)(response.Identifier + 1);
        return conversation.Channel.Receive(response.TypeData) switch
        {
            PeerFrameResult.FragmentNeedsAck => Request(conversation, [0], NewState()),
            PeerFrameResult.Ack when conversation.Channel.HasOutgoing => NextFragment(conversation),
            PeerFrameResult.Ack when conversation.Tunnel.IsEstablished => Inner(conversation, []),
            PeerFrameResult.Message when !conversation.Tunnel.IsEstablished => Handshake(conversation),
            PeerFrameResult.Message => Tunnelled(conversation),
            PeerFrameResult.Ack => Failure(response.Identifier, "an acknowledgement with nothing outstanding"),
            _ => Failure(response.Identifier, "malformed EAP-TLS framing"),
        };
    }

    // RFC 3748 §5.3.1: the peer lists the methods it wants; take the first we offer.
    private EapOutcome Renegotiate(EapConversation conversation, EapPacketReader nak)
    {
        foreach (var wanted in nak.TypeData)
        {
            if (wanted != conversation.Method && Array.IndexOf(_methods, wanted) >= 0)
            {
                conversation.Method = wanted;
                conversation.MethodAgreed = true;
                return Start(conversation, nak.Identifier, NewState());
            }
        }

        return Failure(nak.Identifier, $"the peer wants none of our EAP methods ({Convert.ToHexString(nak.TypeData)})");
    }

    private EapOutcome Handshake(EapConversation conversation)
    {
        var tunnel = conversation.Tunnel!;
        tunnel.Feed(conversation.Channel.PeerMessage);
        var progress = tunnel.Advance();
        tunnel.TakeOutput(conversation.Channel.Outgoing);   // on failure this is the alert, which we do not send
        if (progress == TlsProgress.Failed)
        {
            return Failure((byte)(conversation.Identifier - 1), tunnel.Failure);
        }

        if (progress == TlsProgress.Established)
        {
            conversation.Inner = conversation.Method == EapType.Peap
                ? new PeapInnerMethod(_users, _serverName)
                : new TtlsInnerMethod(_users, tunnel);
        }

        return conversation.Channel.HasOutgoing
            ? NextFragment(conversation)
            : Failure((byte)(conversation.Identifier - 1), "the TLS handshake produced nothing to send");
    }

    private static EapOutcome Tunnelled(EapConversation conversation)
    {
        var tunnel = conversation.Tunnel!;
        tunnel.Feed(conversation.Channel.PeerMessage);
        var plaintext = new ArrayBufferWriter<byte>();
        return tunnel.Read(plaintext) < 0
            ? Failure((byte)(conversation.Identifier - 1), tunnel.Failure)
            : Inner(conversation, plaintext.WrittenSpan);
    }

    private static EapOutcome Inner(EapConversation conversation, ReadOnlySpan<byte> plaintext)
    {
        var inner = conversation.Inner!;
        var step = inner.Process(plaintext, conversation.Identifier);
        var responseIdentifier = (byte)(conversation.Identifier - 1);
        switch (step.Action)
        {
            case InnerAction.Send:
                conversation.Tunnel!.Write(step.Plaintext);
                conversation.Tunnel.TakeOutput(conversation.Channel.Outgoing);
                return NextFragment(conversation);
            case InnerAction.Accept:
                var msk = new byte[64];
                conversation.Tunnel!.ExportKeyingMaterial(inner.KeyLabel, msk);
                return new EapOutcome
                {
                    Verdict = EapVerdict.Accept,
                    EapPacket = [(byte)EapCode.Success, responseIdentifier, 0, 4],   // RFC 3748 §4.2: the Response's Identifier
                    Msk = msk,
                    Check = step.Check,
                    Method = MethodName(conversation.Method),
                    InnerIdentity = inner.InnerIdentity,
                };
            default:
                return Failure(responseIdentifier, step.Reason, step.Check, MethodName(conversation.Method), inner.InnerIdentity);
        }
    }

    private static EapOutcome NextFragment(EapConversation conversation)
    {
        Span<byte> frame = stackalloc byte[EapTlsChannel.FragmentSize + 5];
        var length = conversation.Channel.WriteNextFrame(frame, 0);
        return Request(conversation, frame[..length], NewState());
    }

    private static EapOutcome Request(EapConversation conversation, ReadOnlySpan<byte> typeData, byte[] state)
    {
        var packet = new byte[EapPacketReader.HeaderLength + 1 + typeData.Length];
        EapPacketReader.TryWrite(packet, EapCode.Request, conversation.Identifier, conversation.Method, typeData, out _);
        return new EapOutcome { Verdict = EapVerdict.Challenge, EapPacket = packet, State = state };
    }

    private static byte[] NewState() => new byte[EapSessionTable.StateLength];

    private static EapOutcome Failure(byte identifier, string? reason, CredentialCheck check = default, string? method = null, string? innerIdentity = null) => new()
    {
        Verdict = EapVerdict.Reject,
        EapPacket = [(byte)EapCode.Failure, identifier, 0, 4],
        Check = check,
        Reason = reason,
        Method = method,
        InnerIdentity = innerIdentity,
    };

    private static string MethodName(byte method) => method switch
    {
        EapType.Peap => "PEAP",
        EapType.Ttls => "TTLS",
        _ => $"EAP type {method}",
    };
}
