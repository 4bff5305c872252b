namespace LaFleet.Ingest;

/// <summary>One PUBLISH from an appliance, decoded: <see cref="Records"/>[i] has seq <c>SeqFirst + i</c>.</summary>
public sealed record IngestBatch(string School, string Appliance, string Stream, long Epoch, long SeqFirst, IReadOnlyList<string> Records);

/// <summary>Where an appliance's stream stands at the LA: everything up to <see cref="Contiguous"/> is stored; <see cref="Highest"/> is the highest seq seen.</summary>
public sealed record StreamProgress(string Appliance, string School, string Stream, long Epoch, long Contiguous, long Highest);

/// <summary>A stored record with where it came from.</summary>
public sealed record StoredRecord(string Appliance, string School, string Stream, long Epoch, long Seq, long? Ts, string Body);

/// <summary>
/// The LA's view of one appliance: presence from its birth/will messages, its outbox epoch and backlog, and its last
/// reported state (the JSON of <c>up/state</c>: which desired version it took and what it refused).
/// </summary>
public sealed record ApplianceStatus(string Appliance, string School, string Presence, string? Version, long? Epoch, DateTimeOffset? Seen, long Records)
{
    public string? Reported { get; init; }
}

/// <summary>
/// The ingest's database. Idempotent on (appliance, stream, epoch, seq): a record stored twice is stored once.
/// SQLite by default; PostgreSQL for an LA that outgrows one machine.
/// </summary>
public interface IIngestStore : IDisposable
{
    /// <summary>Stores the batch durably (committed when this returns) and advances the stream's contiguous mark.</summary>
    /// <returns>Records newly stored (0 for a pure duplicate).</returns>
    int Store(IngestBatch batch);

    void SetPresence(string school, string appliance, string presence, string? version, long? epoch, DateTimeOffset at);

    /// <summary>Keeps the box's latest reported state (its <c>up/state</c> document).</summary>
    void SetReported(string appliance, string state, DateTimeOffset at);

    /// <summary>The school an appliance is registered to, or null if it is not in the registry.</summary>
    string? RegisteredSchool(string appliance);

    void Register(string appliance, string school);

    IReadOnlyList<StreamProgress> Progress();

    IReadOnlyList<ApplianceStatus> Status();

    /// <summary>The newest records of a stream across every box, newest first (incidents and alerts for the LA's staff).</summary>
    IReadOnlyList<StoredRecord> Latest(string stream, int limit);

    /// <summary>Stored records of one stream, in seq order (reports and tests).</summary>
    IReadOnlyList<(long Seq, string Record)> Records(string appliance, string stream, long epoch);
}
