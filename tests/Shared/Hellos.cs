using System.Buffers.Binary;
using System.Text;

namespace Appliance.TestSupport;

/// <summary>
/// Builds TLS ClientHellos (RFC 8446 §4.1.2) with a server_name (RFC 6066 §3), in one record or several: minimal, but
/// complete enough that a real TLS 1.2 server with a P-256 certificate answers with its ServerHello.
/// </summary>
public static class Hellos
{
    /// <summary>The handshake message: type 1, uint24 length, body with SNI and a padding extension of <paramref name="padding"/> bytes.</summary>
    public static byte[] Message(string? serverName, int padding = 0)
    {
        var extensions = new List<byte>();
        if (serverName is not null)
        {
            var name = Encoding.ASCII.GetBytes(serverName);
            extensions.AddRange(U16(0));
            extensions.AddRange(U16(name.Length + 5));
            extensions.AddRange(U16(name.Length + 3));
            extensions.Add(0);
            extensions.AddRange(U16(name.Length));
            extensions.AddRange(name);
        }

        // What a TLS 1.2 server with an ECDSA P-256 key needs to answer: the groups, point formats and signature algorithms.
        extensions.AddRange([0, 10, 0, 4, 0, 2, 0, 23]);         // supported_groups: secp256r1
        extensions.AddRange([0, 11, 0, 2, 1, 0]);                // ec_point_formats: uncompressed
        extensions.AddRange([0, 13, 0, 4, 0, 2, 0x04, 0x03]);    // signature_algorithms: ecdsa_secp256r1_sha256
        if (padding > 0)
        {
            extensions.AddRange(U16(21));   // padding (RFC 7685)
            extensions.AddRange(U16(padding));
            extensions.AddRange(new byte[padding]);
        }

        var body = new List<byte> { 0x03, 0x03 };
        body.AddRange(new byte[32]);          // random
        body.Add(0);                          // session id
        body.AddRange([0, 2, 0xc0, 0x2b]);    // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        body.AddRange([1, 0]);                // null compression
        body.AddRange(U16(extensions.Count));
        body.AddRange(extensions);
        return [1, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count, .. body];
    }

    /// <summary>The message in TLS records of at most <paramref name="recordSize"/> bytes each.</summary>
    public static byte[] Records(byte[] message, int recordSize = 16384)
    {
        var stream = new List<byte>();
        for (var at = 0; at < message.Length; at += recordSize)
        {
            var n = Math.Min(recordSize, message.Length - at);
            stream.AddRange([0x16, 0x03, 0x01, (byte)(n >> 8), (byte)n]);
            stream.AddRange(message.AsSpan(at, n).ToArray());
        }

        return [.. stream];
    }

    public static byte[] Stream(string? serverName, int recordSize = 16384, int padding = 0) => Records(Message(serverName, padding), recordSize);

    private static byte[] U16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }
}
