using Microsoft.Data.Sqlite;

namespace Appliance.Fleet.Outbox;

/// <summary>The disk budget: drop the least valuable records first and say so, never silently.</summary>
public sealed partial class OutboxStore
{
    // Inside the append's transaction: the new chunks, the drops and their gap records commit together.
    private long EnforceBudget(SqliteTransaction transaction)
    {
        var ranges = new Dictionary<string, (long First, long Last, long Records)>(StringComparer.Ordinal);
        using var select = _connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = $"SELECT id, stream, seq_first, count, length(body) FROM chunks WHERE lane >= {Streams.FirstDroppableLane} ORDER BY lane DESC, id LIMIT 256";
        using var delete = _connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM chunks WHERE id = $id";
        var id = delete.Parameters.Add("$id", SqliteType.Integer);
        long dropped = 0;
        while (_storedBytes > _options.BudgetBytes)
        {
            var victims = new List<(long Id, string Stream, long First, int Count, long Bytes)>();
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    victims.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetInt64(4)));
                }
            }

            if (victims.Count == 0)
            {
                break;   // only incidents, alerts and audit left: they are kept over budget
            }

            foreach (var v in victims)
            {
                if (_storedBytes <= _options.BudgetBytes)
                {
                    break;
                }

                id.Value = v.Id;
                delete.ExecuteNonQuery();
                _storedBytes -= v.Bytes + RowOverhead;
                dropped += v.Count;
                var last = v.First + v.Count - 1;
                ranges[v.Stream] = ranges.TryGetValue(v.Stream, out var r)
                    ? (Math.Min(r.First, v.First), Math.Max(r.Last, last), r.Records + v.Count)
                    : (v.First, last, v.Count);
            }
        }

        foreach (var (stream, range) in ranges)
        {
            InsertGap(transaction, stream, "disk-budget", range.First, range.Last, range.Records,
                $"outbox over its budget of {_options.BudgetBytes} bytes: oldest {stream} records dropped");
        }

        return dropped;
    }

    private void AppendGap(string stream, string reason, long first, long last, long records, string detail)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            InsertGap(transaction, stream, reason, first, last, records, detail);
            transaction.Commit();
        }
    }

    // A gap record in the audit stream tells the LA that seqs first..last of a stream are gone on purpose, so its
    // gap detection does not ask for them again, and tells a person why.
    private void InsertGap(SqliteTransaction transaction, string stream, string reason, long first, long last, long records, string detail)
    {
        using var builder = new ChunkBuilder();
        var w = builder.BeginRecord("gap", _time.GetUtcNow());
        w.WriteString("stream"u8, stream);
        w.WriteNumber("epoch"u8, Epoch);
        w.WriteNumber("fromSeq"u8, first);
        w.WriteNumber("toSeq"u8, last);
        w.WriteNumber("records"u8, records);
        w.WriteString("reason"u8, reason);
        w.WriteString("detail"u8, detail);
        builder.EndRecord();
        Insert(transaction, Streams.Audit, Streams.Lane(Streams.Audit), builder.Take());
    }
}
