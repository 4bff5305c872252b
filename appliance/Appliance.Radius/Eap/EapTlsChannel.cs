using System.Buffers;
using Appliance.Protocols;
using Appliance.Protocols.Radius;

namespace Appliance.Radius.Eap;

/// <summary>What one peer frame amounted to once its fragments were joined (RFC 5216 §2.1.5, §3.1).</summary>
internal enum PeerFrameResult
{
    /// <summary>A whole TLS message from the peer is in <see cref="EapTlsChannel.PeerMessage"/>.</summary>
    Message,

    /// <summary>A fragment with M set: acknowledge it with an empty Request and wait for the rest.</summary>
    FragmentNeedsAck,

    /// <summary>An empty frame: the peer acknowledges our fragment (or, after the handshake, has nothing to say).</summary>
    Ack,

    /// <summary>Lengths that disagree, a message over the cap, or fragments that do not fit together.</summary>
    Malformed,
}

/// <summary>
/// The fragmentation layer of EAP-TLS, PEAP and EAP-TTLS in both directions (RFC 5216 §2.1.5): the peer's fragments
/// are joined before TLS sees them, and our TLS bytes leave in fragments of at most <see cref="FragmentSize"/> octets,
/// the first carrying the total length (L), each but the last flagged M and answered by the peer with an empty
/// acknowledgement before the next goes. 1,000 octets keeps every EAP packet inside a 1,500-byte 802.11 frame with
/// room for EAPOL and RADIUS framing (FreeRADIUS's <c>fragment_size</c> is 1024, hostapd's 1398).
/// </summary>
internal sealed class EapTlsChannel
{
    public const int FragmentSize = 1000;

    /// <summary>
    /// The largest message we take from a peer. PEAP and TTLS peers send no certificate: their biggest message is the
    /// ClientHello (under 2 KB even with post-quantum key shares), so 16 KiB, not EAP-TLS's 64 KiB, bounds what a
    /// conversation can make us hold.
    /// </summary>
    public const int MaxPeerMessage = 16 * 1024;

    private readonly ArrayBufferWriter<byte> _incoming = new();
    private readonly ArrayBufferWriter<byte> _outgoing = new();
    private int _incomingTotal = -1;
    private int _sent;

    /// <summary>The peer's last complete TLS message (valid after <see cref="PeerFrameResult.Message"/>).</summary>
    public ReadOnlySpan<byte> PeerMessage => _incoming.WrittenSpan;

    /// <summary>Our TLS bytes still to be fragmented out.</summary>
    public bool HasOutgoing => _sent < _outgoing.WrittenCount;

    /// <summary>Where the tunnel's output goes before it is fragmented.</summary>
    public IBufferWriter<byte> Outgoing
    {
        get
        {
            if (!HasOutgoing)
            {
                _outgoing.ResetWrittenCount();
                _sent = 0;
            }

            return _outgoing;
        }
    }

    /// <summary>Takes one frame of the peer's (the EAP type data of its Response).</summary>
    public PeerFrameResult Receive(ReadOnlySpan<byte> typeData)
    {
        if (EapTlsFrame.TryRead(typeData, out var frame) != ParseStatus.Ok)
        {
            return PeerFrameResult.Malformed;
        }

        var starting = _incomingTotal < 0;
        if (starting)
        {
            _incoming.ResetWrittenCount();
        }

        if (frame.Data.IsEmpty && starting && (frame.Flags & EapTlsFlags.MoreFragments) == 0)
        {
            return PeerFrameResult.Ack;
        }

        if (frame.MessageLength >= 0)
        {
            // L on the first fragment (RFC 5216 §3.1 says "MUST be set on the first", and allows it on others, where the
            // value has to agree).
            if (!starting && frame.MessageLength != _incomingTotal)
            {
                return Reset();
            }

            _incomingTotal = frame.MessageLength;
        }
        else if (starting && (frame.Flags & EapTlsFlags.MoreFragments) != 0)
        {
            return Reset();   // a fragmented message must announce its length first
        }

        var limit = _incomingTotal >= 0 ? _incomingTotal : MaxPeerMessage;
        if (_incomingTotal > MaxPeerMessage || _incoming.WrittenCount + frame.Data.Length > limit)
        {
            return Reset();
        }

        _incoming.Write(frame.Data);
        if ((frame.Flags & EapTlsFlags.MoreFragments) != 0)
        {
            _incomingTotal = _incomingTotal < 0 ? MaxPeerMessage : _incomingTotal;
            return PeerFrameResult.FragmentNeedsAck;
        }

        var complete = _incomingTotal < 0 || _incoming.WrittenCount == _incomingTotal;
        _incomingTotal = -1;
        return complete ? PeerFrameResult.Message : PeerFrameResult.Malformed;
    }

    private PeerFrameResult Reset()
    {
        _incomingTotal = -1;
        _incoming.ResetWrittenCount();
        return PeerFrameResult.Malformed;
    }

    /// <summary>
    /// Writes our next frame (flags with the method's version, then data) into <paramref name="destination"/>: the next
    /// fragment of what is outgoing, or an empty frame (an acknowledgement) when nothing is.
    /// </summary>
    public int WriteNextFrame(Span<byte> destination, byte versionAndFlags)
    {
        var remaining = _outgoing.WrittenSpan[_sent..];
        var chunk = remaining[..Math.Min(FragmentSize, remaining.Length)];
        var more = chunk.Length < remaining.Length;
        var first = _sent == 0 && more;
        var flags = (byte)(versionAndFlags | (more ? (byte)EapTlsFlags.MoreFragments : 0));
        if (!EapTlsFrame.TryWrite(destination, flags, first ? remaining.Length : -1, chunk, out var written))
        {
            throw new InvalidOperationException("EAP-TLS frame buffer too small");
        }

        _sent += chunk.Length;
        return written;
    }
}
