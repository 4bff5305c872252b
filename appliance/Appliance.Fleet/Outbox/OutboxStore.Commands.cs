namespace Appliance.Fleet.Outbox;

/// <summary>
/// The command ledger (in the outbox's database: the box's durable fleet state). A command id is stored before
/// the command runs, so a redelivered command is answered from the ledger and never run twice (at most once).
/// </summary>
public sealed partial class OutboxStore
{
    private static readonly TimeSpan LedgerKeep = TimeSpan.FromDays(30);

    /// <summary>Records <paramref name="id"/> as received; false (with the stored reply, null if it never finished) when it was already.</summary>
    public bool TryBeginCommand(string id, string name, out string? storedReply)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                CREATE TABLE IF NOT EXISTS commands (id TEXT PRIMARY KEY, name TEXT NOT NULL, received_ms INTEGER NOT NULL, reply TEXT);
                DELETE FROM commands WHERE received_ms < $old;
                """;
            command.Parameters.AddWithValue("$old", (_time.GetUtcNow() - LedgerKeep).ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
            command.CommandText = "SELECT reply FROM commands WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            using (var reader = command.ExecuteReader())
            {
                if (reader.Read())
                {
                    storedReply = reader.IsDBNull(0) ? null : reader.GetString(0);
                    return false;
                }
            }

            command.CommandText = "INSERT INTO commands (id, name, received_ms) VALUES ($id, $name, $now)";
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
            transaction.Commit();
            storedReply = null;
            return true;
        }
    }

    public void CompleteCommand(string id, string reply)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE commands SET reply = $reply WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$reply", reply);
            command.ExecuteNonQuery();
        }
    }
}
