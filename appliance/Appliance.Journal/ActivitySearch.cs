namespace Appliance.Journal;

/// <summary>How a name filter matches.</summary>
public enum NameMatch
{
    /// <summary>The text appears anywhere in the name ("tok" finds www.tiktok.com).</summary>
    Contains,

    /// <summary>The name itself or any name under it ("tiktok.com" finds tiktok.com and www.tiktok.com, not nottiktok.com).</summary>
    Domain,
}

/// <summary>Who is looked at in a timeline: a signed-in user (RADIUS) or a device (its address, or its pseudonym).</summary>
public enum TimelineSubject
{
    User,
    Device,
}

/// <summary>
/// What the DSL searches the journal for; every field left null (or false) matches everything. Users and devices are
/// matched exactly as stored — a pseudonymised group's are stored as pseudonyms ("anon-…") and found by them.
/// </summary>
public sealed record ActivityFilter
{
    public string? User { get; init; }

    /// <summary>The device: its address as stored ("10.20.1.5"), or its pseudonym.</summary>
    public string? Client { get; init; }

    public string? Group { get; init; }

    /// <summary>Lower-case name text, without the trailing dot (see <see cref="NormaliseName"/>).</summary>
    public string? Name { get; init; }

    public NameMatch NameMatch { get; init; }

    /// <summary>Rows with any of these category bits (0: any row).</summary>
    public ulong Categories { get; init; }

    public bool BlockedOnly { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    /// <summary>Whether an index narrows the search (user, device, blocked-only); otherwise each page scans a bounded window.</summary>
    public bool Indexed => User is not null || Client is not null || BlockedOnly;

    /// <summary>"WWW.Example.org." → "www.example.org"; blank → null. Names are journalled lower-case without the root dot.</summary>
    public static string? NormaliseName(string? text) =>
        text?.Trim().TrimEnd('.').ToLowerInvariant() is { Length: > 0 } name ? name : null;
}

/// <summary>One journal row with its id (the keyset paging cursor and the timeline's anchor).</summary>
public sealed record ActivityRow(long Id, JournalEntry Entry);

/// <summary>
/// A page of search results, newest first. <paramref name="Older"/> is the cursor for the next older page (null: none);
/// <paramref name="Newer"/> the cursor for the next newer one (the newest row shown, or where a forward read's scan
/// window ended); <paramref name="MoreNewer"/> says a page read forward (after an id) stopped before the newest row.
/// <paramref name="SearchedBackTo"/> is set when a page found fewer rows than asked because it reached the end of its
/// scan window rather than the end of the journal: the search goes on from <paramref name="Older"/>.
/// </summary>
public sealed record ActivityPage(IReadOnlyList<ActivityRow> Rows, long? Older, bool MoreNewer, DateTimeOffset? SearchedBackTo, long? Newer = null);

/// <summary>One person's or device's rows around a moment, in time order, with whether the window holds more on either side.</summary>
public sealed record ActivityTimeline(IReadOnlyList<ActivityRow> Rows, bool MoreEarlier, bool MoreLater);
