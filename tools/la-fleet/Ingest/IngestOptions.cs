namespace LaFleet.Ingest;

public sealed record IngestOptions
{
    public required string Host { get; init; }

    public int Port { get; init; } = 8883;

    public required string La { get; init; }

    public string Username { get; init; } = "la-ingest";

    public string? Password { get; init; }

    /// <summary>Each ingest instance needs its own id; they share the work through the shared subscription.</summary>
    public string ClientId { get; init; } = "la-ingest-1";

    public bool UseTls { get; init; } = true;

    public string? CaFile { get; init; }

    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>How often contiguous progress is acknowledged to the boxes on their <c>down/ack</c>.</summary>
    public TimeSpan AckEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A hole in a stream this old is asked for again.</summary>
    public TimeSpan GapPatience { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Refuse appliances that are not in the registry (otherwise an unregistered box is accepted under the school its topic names).</summary>
    public bool StrictRegistry { get; init; }
}
