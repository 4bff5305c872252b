namespace Appliance.Protocols.Quic;

/// <summary>
/// Walks the frames of a decrypted Initial packet (RFC 9000 §12.4, §19). Only PADDING, PING, ACK, CRYPTO and
/// CONNECTION_CLOSE (0x1c) may appear in an Initial (Table 3); anything else is a PROTOCOL_VIOLATION. CRYPTO data
/// goes to the reassembly buffer; the rest is checked and skipped.
/// </summary>
internal static class QuicInitialFrames
{
    private const byte Padding = 0x00;
    private const byte Ping = 0x01;
    private const byte Ack = 0x02;
    private const byte AckWithEcn = 0x03;
    private const byte Crypto = 0x06;
    private const byte ConnectionClose = 0x1c;

    public static ParseStatus Read(ReadOnlySpan<byte> payload, CryptoStreamBuffer crypto)
    {
        if (payload.IsEmpty)
        {
            return ParseStatus.Malformed;   // §12.4: a packet with no frames is a PROTOCOL_VIOLATION
        }

        while (!payload.IsEmpty)
        {
            // §12.4: frame types use their shortest encoding, so every type allowed here is one byte below 0x40.
            var type = payload[0];
            payload = payload[1..];
            var valid = type switch
            {
                Padding or Ping => true,
                Ack or AckWithEcn => SkipAck(ref payload, type == AckWithEcn),
                Crypto => ReadCrypto(ref payload, crypto),
                ConnectionClose => SkipConnectionClose(ref payload),
                _ => false,
            };

            if (!valid)
            {
                return ParseStatus.Malformed;
            }
        }

        return ParseStatus.Ok;
    }

    // §19.6: Offset (i), Length (i), Crypto Data.
    private static bool ReadCrypto(ref ReadOnlySpan<byte> payload, CryptoStreamBuffer crypto)
    {
        if (!QuicVarint.TryRead(ref payload, out var offset) || !QuicVarint.TryReadLength(ref payload, out var length))
        {
            return false;
        }

        var data = payload[..length];
        payload = payload[length..];
        return crypto.TryWrite(offset, data);
    }

    // §19.3: Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range, ranges of (Gap, Length), ECN counts.
    private static bool SkipAck(ref ReadOnlySpan<byte> payload, bool withEcn)
    {
        if (!QuicVarint.TryRead(ref payload, out _) || !QuicVarint.TryRead(ref payload, out _)
            || !QuicVarint.TryRead(ref payload, out var rangeCount) || !QuicVarint.TryRead(ref payload, out _))
        {
            return false;
        }

        // Each range is at least two bytes, so a huge count runs out of payload long before it runs out of loop.
        for (ulong i = 0; i < rangeCount; i++)
        {
            if (!QuicVarint.TryRead(ref payload, out _) || !QuicVarint.TryRead(ref payload, out _))
            {
                return false;
            }
        }

        return !withEcn || (QuicVarint.TryRead(ref payload, out _) && QuicVarint.TryRead(ref payload, out _) && QuicVarint.TryRead(ref payload, out _));
    }

    // §19.19: Error Code (i), Frame Type (i), Reason Phrase Length (i), Reason Phrase.
    private static bool SkipConnectionClose(ref ReadOnlySpan<byte> payload)
    {
        if (!QuicVarint.TryRead(ref payload, out _) || !QuicVarint.TryRead(ref payload, out _)
            || !QuicVarint.TryReadLength(ref payload, out var reasonLength))
        {
            return false;
        }

        payload = payload[reasonLength..];
        return true;
    }
}
