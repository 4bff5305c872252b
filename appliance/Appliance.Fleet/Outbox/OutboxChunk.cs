namespace Appliance.Fleet.Outbox;

/// <summary>
/// One stored chunk: <see cref="Count"/> records of one stream with sequence numbers
/// <see cref="SeqFirst"/> … <see cref="SeqLast"/>, as Brotli-compressed NDJSON (one record per line; line i has
/// seq <c>SeqFirst + i</c>). One chunk travels as one MQTT PUBLISH.
/// </summary>
public sealed record OutboxChunk(long Id, string Stream, long SeqFirst, int Count, int Lane, DateTimeOffset Created, byte[] Body)
{
    public long SeqLast => SeqFirst + Count - 1;
}

/// <summary>A chunk to append: NDJSON already compressed by <see cref="ChunkCodec"/>, with its record count.</summary>
public readonly record struct PendingChunk(byte[] Body, int Count, int RawBytes);
