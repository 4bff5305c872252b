using System.Buffers.Binary;

namespace Appliance.Protocols.Tls;

/// <summary>
/// Finds the ClientHello at the start of a TLS-over-TCP stream (RFC 8446 §5.1) for the packet filter, which keeps a
/// flow's client-to-server bytes contiguous from the first one and calls <see cref="Scan"/> each time more arrive.
/// <para>
/// The scan is stateless and starts again from the first byte each time: the stream is at most 16 KiB and the
/// filter stops queueing a flow after a dozen packets, so the repeated work is bounded and nothing per flow needs
/// remembering here. Unlike peekers that read only the first record (Kestrel's TlsListener, inetaf/tcpproxy), it
/// concatenates the handshake bytes of as many records as the ClientHello spans: RFC 8446 §5.1 allows any
/// fragmentation and evasion tools send a ClientHello one byte per record or split inside the SNI
/// (packet-path.md §2.1). While the message fits its first record no byte is copied.
/// </para>
/// </summary>
public static class ClientHelloScanner
{
    /// <summary>
    /// The largest ClientHello message (4-byte header included) we wait for, and the least scratch a caller gives.
    /// Post-quantum key shares make 1.8 KB hellos common; 16 KiB leaves room for large PSK identities.
    /// </summary>
    public const int MaxHandshakeBytes = 16 * 1024;

    /// <summary>
    /// Scans <paramref name="stream"/>, the client's bytes of a TCP connection from its first byte.
    /// <list type="bullet">
    /// <item>NotThisProtocol: the first bytes are not a TLS handshake record (try HTTP, or the unnamed-flow policy).</item>
    /// <item>NeedMoreData: every byte so far is consistent with a ClientHello that has not finished arriving.</item>
    /// <item>Malformed: a broken record or message, another record type before the ClientHello is whole, a
    /// zero-length handshake record, or a ClientHello longer than <see cref="MaxHandshakeBytes"/>.</item>
    /// <item>Ok: <paramref name="hello"/> points into <paramref name="stream"/> or <paramref name="scratch"/>.</item>
    /// </list>
    /// <paramref name="scratch"/> (at least <see cref="MaxHandshakeBytes"/> bytes) holds the message when it spans
    /// records; it needs no clearing between calls.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="scratch"/> is too small (a caller bug, not bad input).</exception>
    public static ParseStatus Scan(ReadOnlySpan<byte> stream, Span<byte> scratch, out ClientHello hello)
    {
        hello = default;
        if (scratch.Length < MaxHandshakeBytes)
        {
            ThrowScratchTooSmall();
        }

        var position = 0;
        var assembled = 0;   // handshake bytes copied into scratch; stays 0 while the first record holds the message
        while (true)
        {
            var status = ReadRecordHeader(stream[position..], position == 0, out var fragmentLength);
            if (status != ParseStatus.Ok)
            {
                return status;
            }

            var fragment = stream.Slice(
                position + TlsLimits.RecordHeaderLength,
                Math.Min(fragmentLength, stream.Length - position - TlsLimits.RecordHeaderLength));

            if (assembled == 0)
            {
                status = ClientHelloReader.TryRead(fragment, out hello);
            }
            else
            {
                assembled += CopyBounded(fragment, scratch, assembled);
                status = ClientHelloReader.TryRead(scratch[..assembled], out hello);
            }

            if (status != ParseStatus.NeedMoreData)
            {
                return status;   // Ok, or Malformed as soon as the handshake header gives it away
            }

            if (fragment.Length < fragmentLength)
            {
                return ParseStatus.NeedMoreData;   // this record is still arriving
            }

            if (assembled == 0)
            {
                assembled = CopyBounded(fragment, scratch, 0);   // the message continues in the next record
            }

            position += TlsLimits.RecordHeaderLength + fragmentLength;
        }
    }

    /// <summary>
    /// Checks as much of a record header as has arrived. Anything but a handshake record of a TLS 1.x version is
    /// NotThisProtocol at the start of the stream and Malformed later: RFC 8446 §5.1 forbids interleaving other
    /// record types with a fragmented handshake message, so an alert or change_cipher_spec in the middle of the
    /// ClientHello is a trick, not TLS.
    /// </summary>
    private static ParseStatus ReadRecordHeader(ReadOnlySpan<byte> header, bool first, out int fragmentLength)
    {
        fragmentLength = 0;
        var notTls = first ? ParseStatus.NotThisProtocol : ParseStatus.Malformed;
        if (header.IsEmpty)
        {
            return ParseStatus.NeedMoreData;
        }

        if (header[0] != TlsContentType.Handshake)
        {
            return notTls;
        }

        if (header.Length < 2)
        {
            return ParseStatus.NeedMoreData;
        }

        if (header[1] != 3)
        {
            return notTls;   // legacy_record_version is 0x0301 or 0x0303 in practice; SSL 2 hellos start 0x80
        }

        if (header.Length < TlsLimits.RecordHeaderLength)
        {
            return ParseStatus.NeedMoreData;
        }

        fragmentLength = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);

        // RFC 8446 §5.1: "Implementations MUST NOT send zero-length fragments of Handshake types" (they would let a
        // sender pad the stream with empty records past our packet cap), and a fragment is at most 2^14 bytes.
        return fragmentLength is 0 or > TlsLimits.MaxRecordFragment ? ParseStatus.Malformed : ParseStatus.Ok;
    }

    private static int CopyBounded(ReadOnlySpan<byte> fragment, Span<byte> scratch, int assembled)
    {
        // ClientHelloReader rejects a declared length above MaxHandshakeBytes as soon as the 4-byte header is in, so
        // the message always fits; the bound only stops bytes that follow it in the same record from overflowing.
        var count = Math.Min(fragment.Length, MaxHandshakeBytes - assembled);
        fragment[..count].CopyTo(scratch[assembled..]);
        return count;
    }

    private static void ThrowScratchTooSmall() =>
        throw new ArgumentException($"The scratch buffer must hold at least {MaxHandshakeBytes} bytes.", "scratch");
}
