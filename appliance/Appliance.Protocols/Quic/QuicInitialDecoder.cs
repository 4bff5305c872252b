using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Protocols.Tls;

namespace Appliance.Protocols.Quic;

/// <summary>
/// Opens a client's QUIC Initial packets (RFC 9001 §5) and rebuilds the ClientHello they carry, for one connection
/// attempt: create it from the first Initial's version and Destination Connection ID, <see cref="Add"/> each
/// client datagram of the flow, and ask <see cref="TryGetClientHello"/> until it is whole.
/// <code>
///            Add: an Initial authenticates, its frames are valid
///          ┌────────────────────┐
///          ▼                    │
///     Collecting ───────────────┘──── CRYPTO bytes 0..N hold the whole ClientHello ───► Complete
///          │                                                            (TryGetClientHello: Ok)
///          └── Add: an authenticated Initial breaks a frame rule or a limit ───► Broken (Malformed from then on)
///
///  A packet that fails authentication is noise or a forgery: it is dropped (Add says Malformed) and the state
///  does not change, as endpoints may discard invalid Initials (RFC 9000 §21.2).
/// </code>
/// Per connection attempt it holds an <see cref="AesGcm"/>, an AES-ECB transform for header protection and a pooled
/// 16 KiB buffer (returned by <see cref="Dispose"/>): about 1 KB of allocations per QUIC flow, none per datagram
/// (decryption borrows a pooled scratch buffer). Not thread-safe: one flow, one caller.
/// </summary>
public sealed class QuicInitialDecoder : IDisposable
{
    private const int TagLength = 16;
    private const int SampleLength = 16;

    private readonly byte[] _destinationConnectionId;
    private readonly byte[] _iv = new byte[QuicInitialSecrets.IvLength];
    private readonly AesGcm _aead;
    private readonly Aes _headerProtectionCipher;
    private readonly ICryptoTransform _headerProtection;   // AES-ECB; the transform avoids Aes.EncryptEcb's allocation per call
    private readonly byte[] _sample = new byte[SampleLength];
    private readonly byte[] _mask = new byte[SampleLength];
    private readonly CryptoStreamBuffer _crypto = new();
    private long _largestPacketNumber = -1;
    private bool _broken;

    /// <exception cref="ArgumentOutOfRangeException">An unknown version or a connection ID over 20 bytes.</exception>
    public QuicInitialDecoder(uint version, ReadOnlySpan<byte> destinationConnectionId)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destinationConnectionId.Length, QuicInitialReader.MaxConnectionIdLength, nameof(destinationConnectionId));
        Span<byte> secret = stackalloc byte[QuicInitialSecrets.SecretLength];
        QuicInitialSecrets.DeriveClientSecret(version, destinationConnectionId, secret);
        Span<byte> key = stackalloc byte[QuicInitialSecrets.KeyLength];
        var headerProtectionKey = new byte[QuicInitialSecrets.HeaderProtectionKeyLength];
        QuicInitialSecrets.DerivePacketKeys(version, secret, key, _iv, headerProtectionKey);

        Version = version;
        _destinationConnectionId = destinationConnectionId.ToArray();
        _aead = new AesGcm(key, TagLength);
        _headerProtectionCipher = Aes.Create();
        _headerProtectionCipher.Key = headerProtectionKey;
        _headerProtectionCipher.Mode = CipherMode.ECB;
        _headerProtectionCipher.Padding = PaddingMode.None;
        _headerProtection = _headerProtectionCipher.CreateEncryptor();
    }

    public uint Version { get; }

    /// <summary>
    /// Takes in the Initial packets of one client datagram: the first packet and any coalesced after it (RFC 9000
    /// §12.2), stopping at a short header, another packet type, version or connection ID, or trailing padding.
    /// Ok when at least one Initial was opened and its frames stored; NotThisProtocol when the datagram starts
    /// with no Initial of this attempt; Malformed when the first packet's header is broken or it fails
    /// authentication (the decoder is unchanged), or an authenticated packet breaks a rule (the decoder is then
    /// broken for good).
    /// </summary>
    public ParseStatus Add(ReadOnlySpan<byte> datagram)
    {
        if (_broken)
        {
            return ParseStatus.Malformed;
        }

        var status = QuicInitialReader.TryReadHeader(datagram, out var header);
        if (status != ParseStatus.Ok)
        {
            return status;
        }

        if (!IsOurs(header))
        {
            return ParseStatus.NotThisProtocol;
        }

        for (var opened = 0; ; opened++)
        {
            status = OpenPacket(datagram[..header.PacketLength], header);
            if (status != ParseStatus.Ok)
            {
                // RFC 9000 §12.2: coalesced packets are processed separately, so a later one that fails
                // authentication is dropped alone; what the earlier ones brought stays.
                return opened > 0 && !_broken ? ParseStatus.Ok : status;
            }

            datagram = datagram[header.PacketLength..];
            if (datagram.IsEmpty || QuicInitialReader.TryReadHeader(datagram, out header) != ParseStatus.Ok || !IsOurs(header))
            {
                return ParseStatus.Ok;   // RFC 9000 §12.2: later packets of another connection ID are ignored
            }
        }
    }

    /// <summary>
    /// Ok once the CRYPTO bytes from offset 0 hold a whole, valid ClientHello (<paramref name="hello"/> then points
    /// into this decoder and stays valid until <see cref="Dispose"/>); NeedMoreData until then; Malformed when they
    /// are not a ClientHello, one longer than <see cref="ClientHelloScanner.MaxHandshakeBytes"/>, or the decoder
    /// is broken.
    /// </summary>
    public ParseStatus TryGetClientHello(out ClientHello hello)
    {
        hello = default;
        return _broken ? ParseStatus.Malformed : ClientHelloReader.TryRead(_crypto.Contiguous, out hello);
    }

    public void Dispose()
    {
        _aead.Dispose();
        _headerProtection.Dispose();
        _headerProtectionCipher.Dispose();
        _crypto.Dispose();
    }

    private bool IsOurs(in QuicLongHeader header) =>
        header.IsInitial && header.Version == Version && header.DestinationConnectionId.SequenceEqual(_destinationConnectionId);

    /// <summary>Removes header protection (RFC 9001 §5.4), decrypts (§5.3) and stores the frames of one packet.</summary>
    private ParseStatus OpenPacket(ReadOnlySpan<byte> packet, in QuicLongHeader header)
    {
        // §5.4.2: the sample starts 4 bytes after the packet number's start, whatever its real length.
        var packetNumberOffset = header.PacketNumberOffset;
        if (packet.Length < packetNumberOffset + 4 + SampleLength)
        {
            return ParseStatus.Malformed;
        }

        packet.Slice(packetNumberOffset + 4, SampleLength).CopyTo(_sample);
        _headerProtection.TransformBlock(_sample, 0, SampleLength, _mask, 0);
        ReadOnlySpan<byte> mask = _mask;
        var firstByte = (byte)(packet[0] ^ (mask[0] & 0x0F));   // §5.4.1: long headers protect the low 4 bits
        var packetNumberLength = (firstByte & 0x03) + 1;
        var headerLength = packetNumberOffset + packetNumberLength;

        var buffer = ArrayPool<byte>.Shared.Rent(packet.Length);
        try
        {
            // The unprotected header is the AEAD's associated data (§5.3); the plaintext follows it in the buffer.
            var associatedData = buffer.AsSpan(0, headerLength);
            packet[..headerLength].CopyTo(associatedData);
            associatedData[0] = firstByte;
            uint truncated = 0;
            for (var i = 0; i < packetNumberLength; i++)
            {
                associatedData[packetNumberOffset + i] ^= mask[1 + i];
                truncated = (truncated << 8) | associatedData[packetNumberOffset + i];
            }

            var packetNumber = DecodePacketNumber(_largestPacketNumber, truncated, packetNumberLength * 8);
            var plaintext = buffer.AsSpan(headerLength, packet.Length - headerLength - TagLength);
            if (!TryDecrypt(packetNumber, packet[headerLength..^TagLength], packet[^TagLength..], plaintext, associatedData))
            {
                return ParseStatus.Malformed;
            }

            _largestPacketNumber = Math.Max(_largestPacketNumber, packetNumber);

            // RFC 9000 §17.2: non-zero reserved bits after removing protection are a PROTOCOL_VIOLATION.
            var status = (firstByte & 0x0C) != 0 ? ParseStatus.Malformed : QuicInitialFrames.Read(plaintext, _crypto);
            _broken = status != ParseStatus.Ok;
            return status;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool TryDecrypt(long packetNumber, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        // §5.3: the nonce is the IV with the packet number, left-padded to its size, XORed in.
        Span<byte> nonce = stackalloc byte[QuicInitialSecrets.IvLength];
        _iv.CopyTo(nonce);
        var tail = nonce[^8..];
        BinaryPrimitives.WriteUInt64BigEndian(tail, BinaryPrimitives.ReadUInt64BigEndian(tail) ^ (ulong)packetNumber);
        try
        {
            _aead.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;   // AesGcm has no Try form; a forged or damaged packet is rare, not the hot path
        }
    }

    /// <summary>RFC 9000 §17.1 and Appendix A.3: the full packet number nearest the one after the largest seen.</summary>
    internal static long DecodePacketNumber(long largest, uint truncated, int bits)
    {
        var expected = largest + 1;
        var window = 1L << bits;
        var halfWindow = window / 2;
        var candidate = (expected & ~(window - 1)) | truncated;
        if (candidate <= expected - halfWindow && candidate < (1L << 62) - window)
        {
            return candidate + window;
        }

        if (candidate > expected + halfWindow && candidate >= window)
        {
            return candidate - window;
        }

        return candidate;
    }
}
