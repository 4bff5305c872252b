using Microsoft.Data.Sqlite;

namespace Appliance.Journal;

/// <summary>The journal's reads for the DSL's activity views: one client's timeline, and everything in a period.</summary>
public sealed partial class QueryJournal
{
    /// <summary>One client's queries from <paramref name="around"/> − <paramref name="window"/> to + <paramref name="window"/>, in order (the DSL's main tool).</summary>
    public IReadOnlyList<JournalEntry> Timeline(string client, DateTimeOffset around, TimeSpan window)
        => Read("""
            SELECT at, client, user, grp, name, qtype, reason, rcode, flags, categories, upstream_us, source FROM dns_events
            WHERE client = $client AND at BETWEEN $from AND $to ORDER BY at, id
            """, ("$client", client), ("$from", (around - window).ToUnixTimeMilliseconds()), ("$to", (around + window).ToUnixTimeMilliseconds()));

    /// <summary>Every query in [from, to], in order, at most <paramref name="limit"/> (the newest are kept when there are more).</summary>
    public IReadOnlyList<JournalEntry> Between(DateTimeOffset from, DateTimeOffset to, int limit)
    {
        var newest = Read("""
            SELECT at, client, user, grp, name, qtype, reason, rcode, flags, categories, upstream_us, source FROM dns_events
            WHERE id >= $start AND at BETWEEN $from AND $to ORDER BY id DESC LIMIT $n
            """, ("$start", FirstIdFrom(from - TimeSpan.FromMinutes(1))), ("$from", from.ToUnixTimeMilliseconds()), ("$to", to.ToUnixTimeMilliseconds()), ("$n", limit));
        newest.Reverse();
        return newest;
    }

    // Rows are appended in time order (give or take the drain's batching, hence the minute of slack the caller adds),
    // so a binary search over the rowid finds where a period starts without an index on every row's time: an index
    // would slow every insert for a query the DSL runs a few times a year.
    private long FirstIdFrom(DateTimeOffset from)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM dns_events";
            long lo, hi;
            using (var reader = command.ExecuteReader())
            {
                reader.Read();
                (lo, hi) = (reader.GetInt64(0), reader.GetInt64(1));
            }

            command.CommandText = "SELECT id, at FROM dns_events WHERE id >= $id ORDER BY id LIMIT 1";
            var id = command.Parameters.Add("$id", SqliteType.Integer);
            var target = from.ToUnixTimeMilliseconds();
            while (lo < hi)
            {
                id.Value = lo + ((hi - lo) / 2);
                using var reader = command.ExecuteReader();
                reader.Read();
                var (found, at) = (reader.GetInt64(0), reader.GetInt64(1));
                if (at < target)
                {
                    lo = found + 1;
                }
                else
                {
                    hi = (long)id.Value;   // no row between mid and found: the start is at or before mid
                }
            }

            return lo;
        }
    }
}
