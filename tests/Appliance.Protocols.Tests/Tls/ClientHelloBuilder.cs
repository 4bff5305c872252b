using System.Buffers.Binary;
using System.Text;
using Appliance.Protocols.Tls;

namespace Appliance.Protocols.Tests.Tls;

/// <summary>
/// Writes ClientHello handshake messages field by field (RFC 8446 §4.1.2), for the cases the labelled vectors do
/// not cover: every length is computed, so a test breaks exactly the one rule it means to.
/// </summary>
internal sealed class ClientHelloBuilder
{
    public ushort LegacyVersion { get; set; } = 0x0303;
    public byte[] SessionId { get; set; } = new byte[32];
    public byte[] CipherSuites { get; set; } = [0x13, 0x01, 0x13, 0x02];
    public byte[] CompressionMethods { get; set; } = [0];
    public bool WithoutExtensions { get; set; }
    public List<(ushort Type, byte[] Data)> Extensions { get; } = [];

    public ClientHelloBuilder Extension(ushort type, byte[] data)
    {
        Extensions.Add((type, data));
        return this;
    }

    public ClientHelloBuilder ServerName(string host) => Extension(0, ServerNameData((0, Encoding.ASCII.GetBytes(host))));

    public ClientHelloBuilder Alpn(params string[] protocols) =>
        Extension(16, Vector16(protocols.SelectMany(p => Vector8(Encoding.ASCII.GetBytes(p))).ToArray()));

    public ClientHelloBuilder SupportedVersions(params ushort[] versions) =>
        Extension(43, Vector8(versions.SelectMany(v => new[] { (byte)(v >> 8), (byte)v }).ToArray()));

    /// <summary>A server_name extension body with the given (name_type, name) entries.</summary>
    public static byte[] ServerNameData(params (byte Type, byte[] Name)[] entries) =>
        Vector16(entries.SelectMany(e => new[] { e.Type }.Concat(Vector16(e.Name))).ToArray());

    /// <summary>The handshake message: type 1, uint24 length, body.</summary>
    public byte[] Build()
    {
        var body = new List<byte>();
        body.AddRange(U16(LegacyVersion));
        body.AddRange(Enumerable.Range(0, 32).Select(i => (byte)i));
        body.AddRange(Vector8(SessionId));
        body.AddRange(Vector16(CipherSuites));
        body.AddRange(Vector8(CompressionMethods));
        if (!WithoutExtensions)
        {
            body.AddRange(Vector16(Extensions.SelectMany(e => U16(e.Type).Concat(Vector16(e.Data))).ToArray()));
        }

        return Message(body.ToArray());
    }

    public static byte[] Message(byte[] body, byte type = 1) =>
        [type, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];

    public static byte[] Vector8(byte[] data) => [(byte)data.Length, .. data];

    public static byte[] Vector16(byte[] data) => [.. U16((ushort)data.Length), .. data];

    public static byte[] U16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }
}

/// <summary>Wraps a handshake message in TLS records (RFC 8446 §5.1), fragmented as a test needs.</summary>
internal static class TlsRecords
{
    /// <summary>One handshake record per fragment size; the last record takes the rest.</summary>
    public static byte[] Wrap(byte[] message, params int[] fragmentSizes)
    {
        var stream = new List<byte>();
        var at = 0;
        foreach (var size in fragmentSizes.Append(int.MaxValue))
        {
            if (at == message.Length)
            {
                break;
            }

            var take = Math.Min(size, message.Length - at);
            stream.AddRange(Record(TlsContentType.Handshake, message.AsSpan(at, take).ToArray()));
            at += take;
        }

        return stream.ToArray();
    }

    /// <summary>The message in records of <paramref name="size"/> bytes each (1 for a byte per record).</summary>
    public static byte[] WrapEvery(byte[] message, int size) =>
        Wrap(message, Enumerable.Repeat(size, (message.Length + size - 1) / size).ToArray());

    public static byte[] Record(byte contentType, byte[] fragment) =>
        [contentType, 0x03, 0x03, (byte)(fragment.Length >> 8), (byte)fragment.Length, .. fragment];
}
