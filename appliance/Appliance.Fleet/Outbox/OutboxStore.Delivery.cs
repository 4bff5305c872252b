using Microsoft.Data.Sqlite;

namespace Appliance.Fleet.Outbox;

/// <summary>What the pump and the LA's acknowledgements do to the outbox.</summary>
public sealed partial class OutboxStore
{
    /// <summary>Up to <paramref name="max"/> pending chunks: lowest lane first (incidents), then in insertion order, so each stream goes out in seq order.</summary>
    public IReadOnlyList<OutboxChunk> NextPending(int max)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, stream, seq_first, count, lane, created_ms, body FROM chunks WHERE state = 0 ORDER BY lane, id LIMIT $max";
            command.Parameters.AddWithValue("$max", max);
            using var reader = command.ExecuteReader();
            var result = new List<OutboxChunk>();
            while (reader.Read())
            {
                result.Add(new OutboxChunk(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetInt32(4),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), (byte[])reader[6]));
            }

            return result;
        }
    }

    /// <summary>The broker accepted these chunks (PUBACK reason 0). They stay until the LA acknowledges them end to end.</summary>
    public void MarkSent(IEnumerable<long> ids)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE chunks SET state = 1, sent_ms = $now WHERE id = $id AND state = 0";
            command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            var id = command.Parameters.Add("$id", SqliteType.Integer);
            foreach (var value in ids)
            {
                id.Value = value;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>
    /// The LA's ingest has committed every record of <paramref name="stream"/> up to <paramref name="upToSeq"/>
    /// under <paramref name="epoch"/>: those chunks are deleted. An acknowledgement for another epoch (an outbox
    /// since recreated) is ignored.
    /// </summary>
    /// <returns>Chunks deleted.</returns>
    public int Acknowledge(long epoch, string stream, long upToSeq)
    {
        if (epoch != Epoch || !Streams.IsKnown(stream))
        {
            return 0;
        }

        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            // Only chunks the broker has accepted (state 1): acks are not signed, so a forged one must not be able to
            // delete what was never sent. "seq_first <= $upTo" lets the (stream, seq_first) index bound the scan.
            command.CommandText = "DELETE FROM chunks WHERE stream = $s AND seq_first <= $upTo AND seq_first + count - 1 <= $upTo AND state = 1 RETURNING length(body)";
            command.Parameters.AddWithValue("$s", stream);
            command.Parameters.AddWithValue("$upTo", upToSeq);
            var deleted = 0;
            long bytes = 0;
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    deleted++;
                    bytes += reader.GetInt64(0) + RowOverhead;
                }
            }

            // The mark moves only as far as what was really deleted or already gone: never past what the box sent.
            command.CommandText = """
                UPDATE streams SET acked_seq = max(acked_seq, min($upTo, COALESCE((SELECT min(seq_first) - 1 FROM chunks WHERE stream = $s), next_seq - 1)))
                WHERE name = $s
                """;
            command.ExecuteNonQuery();
            transaction.Commit();
            _storedBytes -= bytes;
            return deleted;
        }
    }

    /// <summary>Sends again everything the broker accepted but the LA has not acknowledged: the broker lost the session.</summary>
    /// <returns>Chunks put back to pending.</returns>
    public int Requeue()
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE chunks SET state = 0 WHERE state = 1";
            return command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Sends again what the broker accepted but the LA has not acknowledged within <paramref name="after"/> (Mosquitto
    /// keeps PUBACKed messages only in memory, so a broker crash loses them silently). Each chunk waits twice as long
    /// before each further resend, up to 32 times <paramref name="after"/>: while the LA's ingest is down for hours, the
    /// box must not push its whole backlog into the broker's queue again every few minutes (it would grow without
    /// bound); when the ingest is back, it asks for its holes itself (<see cref="Resend"/>).
    /// </summary>
    /// <returns>Chunks put back to pending.</returns>
    public int RequeueOverdue(TimeSpan after)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                UPDATE chunks SET state = 0, resends = resends + 1
                WHERE state = 1 AND sent_ms < $now - $after AND sent_ms < $now - $after * (1 << MIN(resends, 5))
                """;
            command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$after", (long)after.TotalMilliseconds);
            return command.ExecuteNonQuery();
        }
    }

    /// <summary>The LA asked for <paramref name="stream"/> again from <paramref name="fromSeq"/> (it saw a gap): whatever is still stored is sent again.</summary>
    public int Resend(string stream, long fromSeq)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE chunks SET state = 0 WHERE stream = $s AND seq_first + count - 1 >= $from";
            command.Parameters.AddWithValue("$s", stream);
            command.Parameters.AddWithValue("$from", fromSeq);
            return command.ExecuteNonQuery();
        }
    }

    /// <summary>Per stream: records waiting, records at the broker but not acknowledged, the oldest waiting, and the seq counters.</summary>
    public IReadOnlyList<StreamBacklog> Backlog()
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT s.name, s.next_seq, s.acked_seq,
                       COALESCE(SUM(CASE WHEN c.state = 0 THEN c.count END), 0),
                       COALESCE(SUM(CASE WHEN c.state = 1 THEN c.count END), 0),
                       MIN(c.created_ms)
                FROM streams s LEFT JOIN chunks c ON c.stream = s.name GROUP BY s.name ORDER BY s.name
                """;
            using var reader = command.ExecuteReader();
            var result = new List<StreamBacklog>();
            while (reader.Read())
            {
                result.Add(new StreamBacklog(reader.GetString(0), reader.GetInt64(1) - 1, reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                    reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
            }

            return result;
        }
    }
}

/// <summary>One stream's state: <see cref="LastSeq"/> given so far, <see cref="AckedSeq"/> confirmed by the LA.</summary>
public sealed record StreamBacklog(string Stream, long LastSeq, long AckedSeq, long Pending, long Unacknowledged, DateTimeOffset? Oldest);
