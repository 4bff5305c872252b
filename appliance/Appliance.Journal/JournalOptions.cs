namespace Appliance.Journal;

/// <summary>How long the journal keeps what (school-requirements.md: query logs short, blocks and incidents longer).</summary>
public sealed record JournalOptions
{
    /// <summary>Allowed queries are kept this long.</summary>
    public TimeSpan QueryRetention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Blocked queries (the safeguarding record) are kept this long.</summary>
    public TimeSpan BlockRetention { get; init; } = TimeSpan.FromDays(365);

    /// <summary>The audit log (changes and commands) is kept this long; pruning keeps the chain verifiable from an anchor.</summary>
    public TimeSpan AuditRetention { get; init; } = TimeSpan.FromDays(7 * 365);

    /// <summary>Groups whose devices the local journal records as pseudonyms instead of addresses (empty: none).</summary>
    public IReadOnlyList<string> PseudonymiseGroups { get; init; } = [];
}

/// <summary>One journal row as the reports read it.</summary>
public sealed record JournalEntry(
    DateTimeOffset At, string Client, string? User, string Group, string Name, ushort QueryType, ushort Reason, byte Rcode, byte Flags, ulong Categories,
    uint UpstreamMicroseconds, Appliance.Core.Policy.RequestSource Source = Appliance.Core.Policy.RequestSource.DnsUdp);

/// <summary>Blocks of one category for one group over a period.</summary>
public sealed record CategoryCount(string Category, string Group, long Blocks);

/// <summary>A blocked name and how often it was asked for.</summary>
public sealed record NameCount(string Name, long Blocks, long Clients);

/// <summary>Blocks of one category on one day (UTC).</summary>
public sealed record DayCount(DateOnly Day, string Category, long Blocks);
