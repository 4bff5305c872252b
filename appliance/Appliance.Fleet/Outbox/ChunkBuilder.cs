using System.Buffers;
using System.Text.Json;

namespace Appliance.Fleet.Outbox;

/// <summary>
/// Writes records as NDJSON and cuts them into chunks of at most <see cref="MaxRecords"/> records or about
/// <see cref="MaxRawBytes"/> bytes (the reference's 50–500 records / 64–256 KB per PUBLISH), compressed.
/// Not thread-safe: one per producer.
/// </summary>
public sealed class ChunkBuilder : IDisposable
{
    public const int MaxRecords = 500;
    public const int MaxRawBytes = 128 * 1024;

    private readonly ArrayBufferWriter<byte> _buffer = new(MaxRawBytes + 4096);
    private readonly Utf8JsonWriter _writer;
    private readonly List<PendingChunk> _chunks = [];
    private int _records;
    private bool _open;

    public ChunkBuilder()
    {
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = false });
    }

    /// <summary>Starts a record: an object with <c>ts</c> (Unix ms) and <c>kind</c>; write its other properties, then call <see cref="EndRecord"/>.</summary>
    public Utf8JsonWriter BeginRecord(string kind, DateTimeOffset time)
    {
        if (_open)
        {
            throw new InvalidOperationException("EndRecord was not called for the previous record");
        }

        _open = true;
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        _writer.WriteNumber("ts"u8, time.ToUnixTimeMilliseconds());
        _writer.WriteString("kind"u8, kind);
        return _writer;
    }

    public void EndRecord()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        _buffer.Write("\n"u8);
        _open = false;
        if (++_records >= MaxRecords || _buffer.WrittenCount >= MaxRawBytes)
        {
            Cut();
        }
    }

    /// <summary>Records written since the last <see cref="Take"/> and not yet in a full chunk.</summary>
    public int PartialRecords => _records;

    /// <summary>Only the chunks already cut full; the records of the one being filled stay.</summary>
    public IReadOnlyList<PendingChunk> TakeFull()
    {
        var chunks = _chunks.ToArray();
        _chunks.Clear();
        return chunks;
    }

    /// <summary>The chunks written so far (the last one cut short), and a fresh start.</summary>
    public IReadOnlyList<PendingChunk> Take()
    {
        Cut();
        var chunks = _chunks.ToArray();
        _chunks.Clear();
        return chunks;
    }

    private void Cut()
    {
        if (_records == 0)
        {
            return;
        }

        _chunks.Add(ChunkCodec.Compress(_buffer.WrittenSpan));
        _buffer.ResetWrittenCount();
        _records = 0;
    }

    public void Dispose() => _writer.Dispose();
}
