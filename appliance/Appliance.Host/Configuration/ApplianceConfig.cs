using System.Text.Json.Serialization;

namespace Appliance.Host.Configuration;

/// <summary>
/// The configuration file as the technician writes it (JSON, camelCase). Every property is optional: what is
/// left out keeps the embedded local default (DESIGN §6). Unknown keys are errors, not silently ignored.
/// </summary>
public sealed record ApplianceConfig
{
    /// <summary>Where the appliance keeps its databases and state.</summary>
    public string? DataDir { get; init; }

    public DnsConfig? Dns { get; init; }

    public WebConfig? Web { get; init; }

    public FilteringConfig? Filtering { get; init; }

    public JournalConfig? Journal { get; init; }

    /// <summary>DSL alert rules and e-mail; without it the default rules (statutory lists, self-harm, extremism) raise alerts, no e-mail.</summary>
    public AlertsConfig? Alerts { get; init; }

    /// <summary>The Local Authority link; without it the box keeps its logs to itself.</summary>
    public FleetConfig? Fleet { get; init; }

    /// <summary>The status LEDs and the panic button; without it no panel (the local default, without a file, has the simulated one).</summary>
    public PanelConfig? Panel { get; init; }

    /// <summary>The packet filter (DESIGN §3): where the box sits, DNS redirect, encrypted-DNS rejects, the NFQUEUE verdicts. Off without it.</summary>
    public PacketFilterConfig? PacketFilter { get; init; }

    public RadiusConfig? Radius { get; init; }

    /// <summary>Lesson sites (issue 9): pre-fetch, the mirror, storage. On with defaults without it.</summary>
    public LessonsConfig? Lessons { get; init; }
}

public sealed record LessonsConfig
{
    /// <summary>Lesson plans, their allow windows, pre-fetch and the mirror; default true.</summary>
    public bool? Enabled { get; init; }

    /// <summary>
    /// The mirror's own name on the LAN (e.g. lessons.school.internal): the resolver answers it with
    /// <see cref="MirrorAddress"/>, and the web listener serves the mirror to requests for it. Without it the mirror is
    /// at /mirror/ on the web UI's address.
    /// </summary>
    public string? MirrorHostName { get; init; }

    /// <summary>The box's LAN address the resolver gives for <see cref="MirrorHostName"/> (IPv4 or IPv6).</summary>
    public string? MirrorAddress { get; init; }

    /// <summary>How long before a lesson its sites are fetched (default 24).</summary>
    public int? PrefetchLeadHours { get; init; }

    /// <summary>Disk the lesson copies may use in all (default 2048).</summary>
    public int? QuotaMb { get; init; }

    /// <summary>The largest single page or asset (default 10).</summary>
    public int? ResourceMb { get; init; }

    /// <summary>The most one lesson may store (default 100).</summary>
    public int? LessonMb { get; init; }

    /// <summary>How long a lesson's copies are kept after its last occurrence (default 1).</summary>
    public int? KeepDays { get; init; }

    /// <summary>
    /// Which addresses the pre-fetch may connect to: "public" (default), "private" (also RFC 1918 and IPv6 ULA: a
    /// school's own intranet), "any" (loopback and link-local too: tests and labs only).
    /// </summary>
    public string? FetchFrom { get; init; }
}

public sealed record PanelConfig
{
    /// <summary>"fake" (the simulated panel), "none" (a headless box), "libgpiod" (v1, Debian 12) or "libgpiodv2" (v2). Default: fake in the local default, none with a configuration file.</summary>
    public string? Driver { get; init; }

    /// <summary>A pin map file; default: the built-in hardware/pinmap.json.</summary>
    public string? PinMap { get; init; }

    /// <summary>This panel's id and the room it is in (on every incident).</summary>
    public string? Id { get; init; }

    public string? Room { get; init; }

    /// <summary>The room's subnets (CIDR): evidence covers the devices in them; none: every device.</summary>
    public IReadOnlyList<string>? Subnets { get; init; }

    /// <summary>Minutes of activity before a raise that the evidence holds (default 15).</summary>
    public int? EvidenceMinutes { get; init; }

    /// <summary>Minutes without an acknowledgement before an incident is escalated (default 10).</summary>
    public int? EscalateAfterMinutes { get; init; }

    /// <summary>Seconds a raise may wait for the LA or the mail server before the panel shows "not delivered" (default 30).</summary>
    public int? DeliveryGraceSeconds { get; init; }

    /// <summary>How long the button's level must hold to count (default 30 ms).</summary>
    public int? DebounceMs { get; init; }

    /// <summary>A rolling capture of DNS and TLS ClientHello packets of the room, copied into an incident's evidence (off without it).</summary>
    public PanelCaptureConfig? Capture { get; init; }
}

public sealed record PanelCaptureConfig
{
    /// <summary>The interface that sees the room's traffic (the LAN side, e.g. "br0").</summary>
    public string? Interface { get; init; }

    /// <summary>Minutes kept (default: the evidence minutes).</summary>
    public int? KeepMinutes { get; init; }

    /// <summary>Memory the capture may use (default 8 MB); the oldest packets go first.</summary>
    public int? MaxMb { get; init; }
}

public sealed record AlertsConfig
{
    /// <summary>Replaces the default rules.</summary>
    public IReadOnlyList<AlertRuleConfig>? Rules { get; init; }

    /// <summary>Alerts per device and rule per hour before the rest are held back and counted (default 3).</summary>
    public int? MaxPerDevicePerHour { get; init; }

    public AlertEmailConfig? Email { get; init; }
}

public sealed record AlertRuleConfig
{
    public string? Name { get; init; }

    /// <summary>Category names, including "statutory-iwf" and "statutory-terrorism".</summary>
    public IReadOnlyList<string>? Categories { get; init; }

    /// <summary>"low", "medium" or "high" (default high).</summary>
    public string? Severity { get; init; }

    /// <summary>Alert on blocked queries only (default true); false watches allowed ones too.</summary>
    public bool? BlockedOnly { get; init; }
}

public sealed record AlertEmailConfig
{
    /// <summary>The mail server, HOST:PORT.</summary>
    public string? Smtp { get; init; }

    /// <summary>"starttls" (default), "tls" or "none" (a relay on the school's own network only).</summary>
    public string? Security { get; init; }

    public string? From { get; init; }

    public IReadOnlyList<string>? To { get; init; }

    public string? Username { get; init; }

    public string? PasswordFile { get; init; }

    /// <summary>The school's name in the subject line (default: fleet.school, else "school gateway").</summary>
    public string? School { get; init; }
}

public sealed record FleetConfig
{
    /// <summary>The LA's MQTT broker, HOST:PORT.</summary>
    public string? Broker { get; init; }

    /// <summary>Ids in the topic tree la/{la}/sch/{school}/apl/{applianceId}; the appliance id is also the MQTT username and client id.</summary>
    public string? La { get; init; }

    public string? School { get; init; }

    public string? ApplianceId { get; init; }

    /// <summary>File holding the broker password (omit with a client certificate).</summary>
    public string? PasswordFile { get; init; }

    /// <summary>TLS to the broker (default true; false only for a broker on the same host or in tests).</summary>
    public bool? Tls { get; init; }

    /// <summary>PEM CA the broker's certificate must chain to (default: the system store).</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate and key for mutual TLS.</summary>
    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>
    /// PEM ECDSA P-256 public key of the LA's command key: desired state and commands signed with it are acted on,
    /// anything else is refused and audited. Without it the box takes no commands at all.
    /// </summary>
    public string? CommandKeyFile { get; init; }

    /// <summary>Groups (e.g. "pupils") whose devices the LA sees only as pseudonyms (anon-…), in query records and alerts.</summary>
    public IReadOnlyList<string>? PseudonymiseGroups { get; init; }

    /// <summary>Send every DNS query to the LA, not only blocks (default true).</summary>
    public bool? SendQueries { get; init; }

    /// <summary>Disk the outbox may use while the LA is unreachable (default 2048 MB); past it, oldest DNS logs go first.</summary>
    public int? OutboxBudgetMb { get; init; }

    /// <summary>Minutes before a record the broker accepted but the LA has not acknowledged is sent again (default 10).</summary>
    public int? ResendAfterMinutes { get; init; }

    /// <summary>How long the broker keeps the box's session while it is away (default 168 hours).</summary>
    public int? SessionExpiryHours { get; init; }

    public int? KeepAliveSeconds { get; init; }
}

public sealed record JournalConfig
{
    /// <summary>Days allowed queries are kept (default 30).</summary>
    public int? QueryRetentionDays { get; init; }

    /// <summary>Days blocked queries are kept (default 365).</summary>
    public int? BlockRetentionDays { get; init; }

    /// <summary>Days the audit log is kept (default 2555, seven years).</summary>
    public int? AuditRetentionDays { get; init; }

    /// <summary>Groups whose devices this journal records as pseudonyms (anon-…) instead of addresses.</summary>
    public IReadOnlyList<string>? PseudonymiseGroups { get; init; }
}

public sealed record FilteringConfig
{
    /// <summary>Category block lists: text lists (hosts, domains, adblock), squidGuard/UT1 folders or compiled lists.</summary>
    public IReadOnlyList<ListConfig>? Lists { get; init; }

    /// <summary>The locked statutory lists the Local Authority supplies (IWF, police terrorism list).</summary>
    public IReadOnlyList<StatutoryListConfig>? StatutoryLists { get; init; }

    /// <summary>A policy document (JSON) to start from when the box has no policy yet; later changes live in SQLite.</summary>
    public string? PolicyFile { get; init; }

    /// <summary>How often lists are checked for new content (default 240 minutes; IWF updates twice a day).</summary>
    public int? RefreshMinutes { get; init; }

    /// <summary>A list that shrinks by more than this share between two refreshes is refused (default 50).</summary>
    public int? MaxShrinkPercent { get; init; }
}

/// <summary>Where a list comes from and the checks it must pass; shared by category and statutory lists.</summary>
public record ListSourceConfig
{
    /// <summary>A file, a squidGuard/UT1 folder, a compiled list, or an http(s):// URL.</summary>
    public string? Source { get; init; }

    /// <summary>The SHA-256 the content must have.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Where the Local Authority publishes the content's SHA-256.</summary>
    public string? Sha256Url { get; init; }

    /// <summary>Where the Local Authority publishes a detached ECDSA P-256 signature (base64 DER) of the content.</summary>
    public string? SignatureUrl { get; init; }

    /// <summary>The PEM public key signatures must verify against.</summary>
    public string? PublicKeyFile { get; init; }

    /// <summary>The largest list accepted (default 64 MiB).</summary>
    public long? MaxBytes { get; init; }
}

public sealed record ListConfig : ListSourceConfig
{
    /// <summary>The category (kebab-case); may be left out for lists whose name says it (phishing, gambling…).</summary>
    public string? Category { get; init; }
}

public sealed record StatutoryListConfig : ListSourceConfig
{
    /// <summary>"iwf" or "terrorism".</summary>
    public string? List { get; init; }
}

public sealed record DnsConfig
{
    /// <summary>ADDR:PORT endpoints to serve DNS on (UDP and TCP), e.g. "127.0.0.1:5353" or "[::1]:53".</summary>
    public IReadOnlyList<string>? Listen { get; init; }

    public IReadOnlyList<UpstreamConfig>? Upstreams { get; init; }

    public CacheConfig? Cache { get; init; }

    public RateLimitConfig? RateLimit { get; init; }

    public int? UpstreamTimeoutMs { get; init; }

    public int? ResolveTimeoutMs { get; init; }

    public int? MaxInFlight { get; init; }

    public int? MaxInFlightPerClient { get; init; }

    public int? UdpSocketsPerUpstream { get; init; }

    public int? TcpIdleTimeoutSeconds { get; init; }

    public int? MaxTcpConnections { get; init; }

    /// <summary>"auto", "async" or "batched".</summary>
    public string? UdpEngine { get; init; }

    public int? EventRingCapacity { get; init; }
}

public sealed record UpstreamConfig
{
    /// <summary>ADDR:PORT of the upstream resolver.</summary>
    public string? Address { get; init; }

    /// <summary>DNS over TLS (RFC 7858) instead of UDP with TCP fallback.</summary>
    public bool? Tls { get; init; }

    /// <summary>The name the upstream's certificate must carry (required with tls).</summary>
    public string? TlsName { get; init; }

    /// <summary>A PEM file of CA certificates to trust for this upstream instead of the system store.</summary>
    public string? TlsCaFile { get; init; }
}

public sealed record CacheConfig
{
    public int? MaxEntries { get; init; }

    public long? MaxBytes { get; init; }

    public uint? MinTtlSeconds { get; init; }

    public uint? MaxTtlSeconds { get; init; }

    public uint? NegativeMaxTtlSeconds { get; init; }

    public bool? ServeStale { get; init; }

    public uint? StaleMaxAgeSeconds { get; init; }

    public bool? Prefetch { get; init; }
}

public sealed record RateLimitConfig
{
    /// <summary>Per client (IPv4 address or IPv6 /64); 0 turns the limit off.</summary>
    public int? QueriesPerSecond { get; init; }

    public int? Burst { get; init; }

    /// <summary>"refuse" or "drop".</summary>
    public string? Action { get; init; }
}

public sealed record WebConfig
{
    /// <summary>ADDR:PORT for the local web UI and its JSON API.</summary>
    public string? Listen { get; init; }

    /// <summary>Serve the web UI over HTTPS too (and send plain HTTP there); null: HTTP only.</summary>
    public WebHttpsConfig? Https { get; init; }
}

public sealed record WebHttpsConfig
{
    /// <summary>ADDR:PORT, e.g. 0.0.0.0:443.</summary>
    public string? Listen { get; init; }

    /// <summary>PEM certificate (with its chain); omitted: the box's own certificate (the RADIUS server's, from the box's CA).</summary>
    public string? CertificateFile { get; init; }

    /// <summary>PEM private key of <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApplianceConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
