using System.Buffers;
using System.IO.Compression;

namespace Appliance.Fleet.Outbox;

/// <summary>
/// The chunk body: NDJSON compressed with Brotli (BCL, no dependency). Quality 4 with a 4 MiB window: DNS log lines
/// compress about tenfold at a small fraction of a core (docs/performance.md), which matters twice — on a slow
/// school uplink and against the outbox's disk budget during a long outage.
/// </summary>
public static class ChunkCodec
{
    public const string Encoding = "br";
    public const string ContentType = "application/x-ndjson";
    private const int Quality = 4;
    private const int Window = 22;

    /// <summary>Compresses one chunk of NDJSON; <paramref name="ndjson"/> must end with a newline after every record.</summary>
    public static PendingChunk Compress(ReadOnlySpan<byte> ndjson)
    {
        var count = ndjson.Count((byte)'\n');
        if (count == 0 || ndjson[^1] != (byte)'\n')
        {
            throw new ArgumentException("a chunk is one or more NDJSON records, each ending with a newline", nameof(ndjson));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(ndjson.Length));
        try
        {
            using var encoder = new BrotliEncoder(Quality, Window);
            var status = encoder.Compress(ndjson, buffer, out _, out var written, isFinalBlock: true);
            if (status != OperationStatus.Done)
            {
                throw new InvalidOperationException($"Brotli compression stopped with {status}");
            }

            return new PendingChunk(buffer.AsSpan(0, written).ToArray(), count, ndjson.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <exception cref="InvalidDataException">Not a Brotli stream, or larger than <paramref name="maxBytes"/> once decompressed.</exception>
    public static byte[] Decompress(ReadOnlySpan<byte> body, int maxBytes = 16 << 20)
    {
        using var decoder = new BrotliDecoder();
        var output = new ArrayBufferWriter<byte>(Math.Max(1024, body.Length * 8));
        while (true)
        {
            var status = decoder.Decompress(body, output.GetSpan(64 * 1024), out var consumed, out var written);
            output.Advance(written);
            body = body[consumed..];
            if (output.WrittenCount > maxBytes)
            {
                throw new InvalidDataException($"chunk decompresses to more than {maxBytes} bytes");
            }

            switch (status)
            {
                case OperationStatus.Done:
                    return output.WrittenSpan.ToArray();
                case OperationStatus.DestinationTooSmall:
                    continue;
                default:
                    throw new InvalidDataException($"chunk is not valid Brotli ({status})");
            }
        }
    }
}
