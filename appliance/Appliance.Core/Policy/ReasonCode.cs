namespace Appliance.Core.Policy;

/// <summary>
/// Why the appliance did what it did, with stable numbers in bands (STYLE.md, after YARP's ForwarderError and
/// Pipelines.Sockets' PipeShutdownKind). The same number is written to the log, the journal and MQTT,
/// so a number is never reused or renumbered: add new values, retire old ones.
/// 1xx DNS · 2xx packet filter · 3xx RADIUS · 4xx fleet · 5xx hardware.
/// </summary>
public enum ReasonCode : ushort
{
    /// <summary>No decision recorded.</summary>
    None = 0,

    /// <summary>Allowed: no rule matched and the default is allow.</summary>
    DnsAllowedDefault = 100,

    /// <summary>Allowed by the group's custom allow entry (or an approved unblock), over its blocked categories.</summary>
    DnsAllowedCustom = 101,

    /// <summary>
    /// Allowed by an open lesson window for the client's group or room (issue 9), at the level of an allow entry: over
    /// the group's deny entries, blocked categories and schedules, never over statutory lists or security categories.
    /// </summary>
    DnsAllowedLesson = 102,

    /// <summary>
    /// Answered by the resolver itself: one of the box's own names (the lesson mirror's), never forwarded and above
    /// the policy (A/AAAA from the configured addresses, other types NODATA).
    /// </summary>
    DnsAnsweredLocal = 103,

    /// <summary>Blocked: the name (or a parent) is on a block list of a category the client's group blocks.</summary>
    DnsBlockedCategory = 110,

    /// <summary>Blocked: the group's custom deny entry names it.</summary>
    DnsBlockedCustom = 111,

    /// <summary>Blocked for everyone: a security category (malware, phishing), above any allow entry.</summary>
    DnsBlockedSecurity = 112,

    /// <summary>Blocked: a category the group blocks only during a scheduled window (a lesson-time profile).</summary>
    DnsBlockedSchedule = 113,

    /// <summary>Blocked: the name is allowed, but the answer's CNAME chain leads to a blocked name.</summary>
    DnsBlockedCnameTarget = 114,

    /// <summary>
    /// Blocked for everyone by a locked statutory list (IWF, police terrorism list). Never overridable; the
    /// name is never logged in clear, only the list and a keyed hash.
    /// </summary>
    DnsBlockedStatutory = 120,

    /// <summary>
    /// A circumvention canary answered so that the bypass stays off: Firefox's DoH canary, iCloud Private Relay,
    /// DDR discovery of an encrypted resolver (RFC 9462).
    /// </summary>
    DnsCircumventionCanary = 130,

    /// <summary>Safe search enforced: the engine's host answered with a CNAME to its locked-safe name.</summary>
    DnsSafeSearch = 140,

    /// <summary>YouTube Restricted Mode enforced (strict or moderate, by group).</summary>
    DnsYouTubeRestricted = 141,

    /// <summary>An HTTPS record answered NODATA because the policy turns HTTPS records off (ECH and HTTP/3 hints with them).</summary>
    DnsHttpsRecordRefused = 142,

    /// <summary>Answered REFUSED or dropped: the client exceeded its query rate.</summary>
    DnsRateLimited = 150,

    /// <summary>Answered FORMERR: the query could be read far enough to answer, but broke the protocol.</summary>
    DnsMalformedQuery = 151,

    /// <summary>Answered NOTIMP or REFUSED: an opcode or query type this resolver does not serve.</summary>
    DnsNotImplemented = 152,

    /// <summary>Answered SERVFAIL: no upstream gave a usable answer in time and nothing stale was cached.</summary>
    DnsUpstreamFailed = 160,

    /// <summary>Answered from expired cache because every upstream failed (RFC 8767).</summary>
    DnsServedStale = 161,

    /// <summary>Answered SERVFAIL at once: the resolver had no free slot to forward the query.</summary>
    DnsOverloaded = 162,

    /// <summary>
    /// Allowed (lenient mode): a TCP 80/443 flow that showed no name to judge — neither TLS nor HTTP, a ClientHello
    /// without SNI, an IP literal, HTTP/1.0 without Host. A flow that did show a name carries the policy's own
    /// reason (1xx), the same as a DNS query for that name.
    /// </summary>
    PacketUnnamedAllowed = 200,

    /// <summary>Reset (strict mode): a TCP 80/443 flow that showed no name to judge.</summary>
    PacketUnnamedBlocked = 201,

    /// <summary>
    /// Allowed (lenient mode): the flow's first bytes claimed TLS or HTTP but could not be read — malformed, longer than
    /// we hold, split into more pieces than we track, or not complete within the packets we are sent.
    /// </summary>
    PacketUnreadableAllowed = 210,

    /// <summary>Reset (strict mode): the flow's first bytes claimed TLS or HTTP but could not be read.</summary>
    PacketUnreadableBlocked = 211,

    /// <summary>Dropped ("allow QUIC but filter it"): a QUIC Initial whose name could not be read; the browser falls back to TCP.</summary>
    PacketQuicUnreadable = 220,
}
