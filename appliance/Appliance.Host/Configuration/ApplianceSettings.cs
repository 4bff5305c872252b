using System.Net;
using Appliance.Dns;

namespace Appliance.Host.Configuration;

/// <summary>Command-line values that override the file's main settings (DESIGN §6).</summary>
public sealed record CliOverrides
{
    public IReadOnlyList<string> DnsListen { get; init; } = [];

    public IReadOnlyList<string> Upstreams { get; init; } = [];

    public string? DataDir { get; init; }

    public string? WebListen { get; init; }

    /// <summary>--block FILE[:CATEGORY]: lists to block for every client in a quick trial.</summary>
    public IReadOnlyList<string> Blocks { get; init; } = [];

    /// <summary>appliance firewall --mode: replaces packetFilter.mode.</summary>
    public string? PacketFilterMode { get; init; }

    /// <summary>--lan (repeatable): replaces packetFilter.lan.</summary>
    public IReadOnlyList<string> Lan { get; init; } = [];

    /// <summary>--resolver-port: replaces packetFilter.resolverPort.</summary>
    public int? ResolverPort { get; init; }

    /// <summary>--queues FIRST:COUNT: replaces packetFilter.queues.</summary>
    public string? Queues { get; init; }

    /// <summary>--no-ipv6: no IPv6 rules, whatever packetFilter.ipv6 says.</summary>
    public bool NoIpv6 { get; init; }
}

/// <summary>The validated settings the appliance runs with.</summary>
public sealed record ApplianceSettings(string DataDir, DnsServerOptions Dns, IPEndPoint WebListen)
{
    /// <summary>Category block lists (--block and filtering.lists), each a text list, a folder or a compiled one.</summary>
    public IReadOnlyList<Appliance.Core.Lists.ListSources.Source> Blocks { get; init; } = [];

    /// <summary>
    /// Lists kept fresh by the refresher (files and URLs from filtering.lists and filtering.statutoryLists), each
    /// through its last good copy in the data directory.
    /// </summary>
    public IReadOnlyList<Appliance.Policy.Lists.ListSourceOptions> Managed { get; init; } = [];

    public TimeSpan ListRefreshInterval { get; init; } = TimeSpan.FromMinutes(240);

    /// <summary>Retention of the query journal.</summary>
    public Appliance.Journal.JournalOptions Journal { get; init; } = new();

    /// <summary>The share (0–1) by which a list may shrink between refreshes.</summary>
    public double ListMaxShrink { get; init; } = 0.5;

    /// <summary>The policy document to start from when the store has none (filtering.policyFile).</summary>
    public string? PolicyFile { get; init; }

    /// <summary>The configuration file the settings came from ("local default" without one), and its SHA-256 (for the audit log).</summary>
    public string ConfigSource { get; init; } = "local default";

    public string ConfigSha256 { get; init; } = "";

    /// <summary>What the settings were built from (to check the LA's settings against at run time); null in tests that build settings directly.</summary>
    public ConfigInputs? Inputs { get; init; }

    /// <summary>The LA's settings (DATA_DIR/la-config.json) are part of these.</summary>
    public bool LaConfigApplied { get; init; }

    /// <summary>Why the LA's saved settings are not used (shown as an ALERT and in health); null when there is no problem.</summary>
    public string? LaConfigProblem { get; init; }

    /// <summary>DSL alert rules (the defaults without an alerts section).</summary>
    public IReadOnlyList<Appliance.Journal.Alerts.AlertRule> AlertRules { get; init; } = Appliance.Journal.Alerts.AlertRule.Defaults;

    public int AlertsPerDevicePerHour { get; init; } = 3;

    /// <summary>Where alert e-mail goes; null: none is sent.</summary>
    public Appliance.Journal.Alerts.MailOptions? AlertEmail { get; init; }

    /// <summary>The LA link; null when the configuration has no fleet section.</summary>
    public FleetSettings? Fleet { get; init; }

    /// <summary>The panel (the simulated one unless configured).</summary>
    public PanelSettings Panel { get; init; } = new();

    /// <summary>The packet filter (off unless configured).</summary>
    public PacketFilterSettings PacketFilter { get; init; } = new();

    /// <summary>The RADIUS server (off unless configured).</summary>
    public RadiusSettings Radius { get; init; } = new();

    /// <summary>The web UI over HTTPS; null: HTTP only (safe on 127.0.0.1 or a trusted LAN).</summary>
    public WebHttpsSettings? WebHttps { get; init; }

    /// <summary>Lesson sites (on unless configured off).</summary>
    public LessonSettings Lessons { get; init; } = new();

    public const string DefaultDataDir = "./var";
    public static readonly IPEndPoint DefaultWebListen = new(IPAddress.Loopback, 8080);
    public static readonly IPEndPoint DefaultDnsListen = new(IPAddress.Loopback, 5353);
}

/// <summary>
/// HTTPS for the web UI: where it listens and the certificate's PEM files; without files, the box's own certificate
/// (the RADIUS server certificate its CA issued, which devices that joined the Wi-Fi already trust).
/// </summary>
public sealed record WebHttpsSettings(IPEndPoint Listen, string? CertificateFile, string? KeyFile);

/// <summary>Lesson sites' validated settings (issue 9).</summary>
public sealed record LessonSettings
{
    public bool Enabled { get; init; } = true;

    /// <summary>The mirror's own name, answered by the resolver with <see cref="MirrorAddress"/>; null: the mirror is at /mirror/ only.</summary>
    public string? MirrorHostName { get; init; }

    public IPAddress? MirrorAddress { get; init; }

    public TimeSpan PrefetchLead { get; init; } = TimeSpan.FromHours(24);

    public long QuotaBytes { get; init; } = 2048L << 20;

    public long ResourceBytes { get; init; } = 10L << 20;

    public long LessonBytes { get; init; } = 100L << 20;

    public TimeSpan KeepAfter { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Which addresses the pre-fetch may connect to (public ones only unless configured).</summary>
    public Appliance.Lessons.Fetch.FetchAddresses FetchFrom { get; init; } = Appliance.Lessons.Fetch.FetchAddresses.Public;
}

/// <summary>The fleet link's validated settings.</summary>
public sealed record FleetSettings(Appliance.Fleet.Mqtt.FleetOptions Link, Appliance.Fleet.Outbox.OutboxOptions Outbox, bool SendQueries)
{
    /// <summary>The LA's command public key (PEM), validated; null: no commands or desired state are taken.</summary>
    public string? CommandKeyPem { get; init; }

    /// <summary>Groups whose devices the LA sees only as pseudonyms.</summary>
    public IReadOnlyList<string> PseudonymiseGroups { get; init; } = [];
}

/// <summary>The panel's validated settings.</summary>
public sealed record PanelSettings
{
    public Appliance.Hardware.Drivers.PanelDriverKind Driver { get; init; } = Appliance.Hardware.Drivers.PanelDriverKind.Fake;

    /// <summary>Null: the built-in pin map.</summary>
    public string? PinMap { get; init; }

    public string Id { get; init; } = "panel-1";

    public string Room { get; init; } = "reception";

    public IReadOnlyList<System.Net.IPNetwork> Subnets { get; init; } = [];

    public TimeSpan EvidenceBefore { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan EscalateAfter { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan DeliveryGrace { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>The evidence capture; null: off.</summary>
    public Appliance.PacketFilter.Capture.CaptureOptions? Capture { get; init; }
}
