using System.Net;
using Appliance.Dns;

namespace Appliance.Host.Configuration;

/// <summary>
/// Merges the embedded local default, the configuration file and the command line (in that order of
/// precedence, lowest first) and validates the result. Every problem is collected, so one run reports them all.
/// </summary>
public sealed partial class SettingsBuilder
{
    private readonly List<string> _errors = [];
    private readonly string _source;

    private SettingsBuilder(string source) => _source = source;

    /// <param name="config">The file's content, or null for the embedded local default.</param>
    /// <param name="source">The file name, for messages ("command line" is used for overrides).</param>
    /// <param name="overrides">Command-line values.</param>
    /// <param name="resolvConf">Where the system's resolvers are listed (default upstreams).</param>
    /// <exception cref="ConfigException">Any setting is wrong; the message lists every problem.</exception>
    public static ApplianceSettings Build(ApplianceConfig? config, string source, CliOverrides overrides, string resolvConf = "/etc/resolv.conf")
        => new SettingsBuilder(source) { _localDefault = config is null }.Run(config ?? new ApplianceConfig(), overrides, resolvConf);

    // The embedded local default (no file): the simulated panel. A configured box gets no panel unless it names one.
    private bool _localDefault;

    private string? ExistingPath(string? path, string field)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            Error(field, "is missing; expected a file or folder path");
            return null;
        }

        if (!File.Exists(path) && !Directory.Exists(path))
        {
            Error(field, $"'{path}' does not exist");
            return null;
        }

        return path;
    }

    private ApplianceSettings Run(ApplianceConfig config, CliOverrides cli, string resolvConf)
    {
        var dns = config.Dns ?? new DnsConfig();
        var defaults = new DnsServerOptions();

        var dataDir = cli.DataDir ?? config.DataDir ?? ApplianceSettings.DefaultDataDir;
        if (string.IsNullOrWhiteSpace(dataDir))
        {
            Error(cli.DataDir is null ? "dataDir" : "--data-dir", "is empty; expected a directory path");
        }

        var listen = cli.DnsListen.Count > 0
            ? Endpoints(cli.DnsListen, "--dns-listen")
            : dns.Listen is { } l ? Endpoints(l, "dns.listen") : [ApplianceSettings.DefaultDnsListen];
        if (listen.Count == 0 && (dns.Listen is not null || cli.DnsListen.Count > 0))
        {
            Error("dns.listen", "names no endpoint; the resolver needs at least one ADDR:PORT");
        }

        var upstreams = cli.Upstreams.Count > 0
            ? CliUpstreams(cli.Upstreams)
            : dns.Upstreams is { } u ? FileUpstreams(u) : SystemResolvers(resolvConf, listen);

        var web = ApplianceSettings.DefaultWebListen;
        var webText = cli.WebListen ?? config.Web?.Listen;
        if (webText is not null)
        {
            if (EndpointText.TryParse(webText, out var parsed, out var problem, allowPortZero: true))
            {
                web = parsed;
            }
            else
            {
                Error(cli.WebListen is null ? "web.listen" : "--web-listen", problem);
            }
        }

        var cache = dns.Cache ?? new CacheConfig();
        var cacheDefaults = defaults.Cache;
        var rate = dns.RateLimit ?? new RateLimitConfig();
        var options = defaults with
        {
            Listen = listen,
            Upstreams = upstreams,
            UpstreamAttemptTimeout = TimeSpan.FromMilliseconds(Range(dns.UpstreamTimeoutMs, "dns.upstreamTimeoutMs", 50, 30_000, (int)defaults.UpstreamAttemptTimeout.TotalMilliseconds)),
            ResolveTimeout = TimeSpan.FromMilliseconds(Range(dns.ResolveTimeoutMs, "dns.resolveTimeoutMs", 100, 60_000, (int)defaults.ResolveTimeout.TotalMilliseconds)),
            MaxInFlight = Range(dns.MaxInFlight, "dns.maxInFlight", 16, 32_768, defaults.MaxInFlight),
            MaxInFlightPerClient = Range(dns.MaxInFlightPerClient, "dns.maxInFlightPerClient", 1, 32_768, defaults.MaxInFlightPerClient),
            UdpSocketsPerUpstream = Range(dns.UdpSocketsPerUpstream, "dns.udpSocketsPerUpstream", 1, 64, defaults.UdpSocketsPerUpstream),
            TcpIdleTimeout = TimeSpan.FromSeconds(Range(dns.TcpIdleTimeoutSeconds, "dns.tcpIdleTimeoutSeconds", 1, 3_600, (int)defaults.TcpIdleTimeout.TotalSeconds)),
            MaxTcpConnections = Range(dns.MaxTcpConnections, "dns.maxTcpConnections", 1, 65_535, defaults.MaxTcpConnections),
            EventRingCapacity = Range(dns.EventRingCapacity, "dns.eventRingCapacity", 1_024, 1 << 22, defaults.EventRingCapacity),
            UdpEngine = Choice(dns.UdpEngine, "dns.udpEngine", defaults.UdpEngine),
            Cache = new CacheOptions
            {
                MaxEntries = Range(cache.MaxEntries, "dns.cache.maxEntries", 64, 50_000_000, cacheDefaults.MaxEntries),
                MaxBytes = cache.MaxBytes is { } mb && mb < 65_536 ? Fail("dns.cache.maxBytes", "must be at least 65536", cacheDefaults.MaxBytes) : cache.MaxBytes ?? cacheDefaults.MaxBytes,
                MinTtlSeconds = cache.MinTtlSeconds ?? cacheDefaults.MinTtlSeconds,
                MaxTtlSeconds = cache.MaxTtlSeconds ?? cacheDefaults.MaxTtlSeconds,
                NegativeMaxTtlSeconds = cache.NegativeMaxTtlSeconds ?? cacheDefaults.NegativeMaxTtlSeconds,
                ServeStale = cache.ServeStale ?? cacheDefaults.ServeStale,
                StaleMaxAgeSeconds = cache.StaleMaxAgeSeconds ?? cacheDefaults.StaleMaxAgeSeconds,
                Prefetch = cache.Prefetch ?? cacheDefaults.Prefetch,
            },
            RateLimit = new RateLimitOptions
            {
                QueriesPerSecond = Range(rate.QueriesPerSecond, "dns.rateLimit.queriesPerSecond", 0, 10_000_000, defaults.RateLimit.QueriesPerSecond),
                Burst = Range(rate.Burst, "dns.rateLimit.burst", 1, 100_000_000, defaults.RateLimit.Burst),
                Action = Choice(rate.Action, "dns.rateLimit.action", defaults.RateLimit.Action),
            },
        };

        if (options.Cache.MinTtlSeconds > options.Cache.MaxTtlSeconds)
        {
            Error("dns.cache.minTtlSeconds", $"({options.Cache.MinTtlSeconds}) is larger than dns.cache.maxTtlSeconds ({options.Cache.MaxTtlSeconds})");
        }

        if (options.ResolveTimeout < options.UpstreamAttemptTimeout)
        {
            Error("dns.resolveTimeoutMs", "is shorter than dns.upstreamTimeoutMs; a query would time out before its first attempt did");
        }

        var (alertRules, alertsPerHour, alertEmail) = Alerts(config.Alerts, config.Fleet?.School);
        var filtering = Filtering(config, cli) with
        {
            Fleet = Fleet(config.Fleet),
            Panel = Panel(config.Panel, listen),
            PacketFilter = PacketFilter(config.PacketFilter, cli, listen),
            Radius = Radius(config.Radius),
            WebHttps = WebHttps(config.Web?.Https, config.Radius?.Enabled == true),
            Lessons = Lessons(config.Lessons),
            AlertRules = alertRules,
            AlertsPerDevicePerHour = alertsPerHour,
            AlertEmail = alertEmail,
        };

        if (_errors.Count > 0)
        {
            throw new ConfigException(string.Join(Environment.NewLine, _errors));
        }

        if (filtering.Lessons is { Enabled: true, MirrorHostName: { } mirror, MirrorAddress: { } address })
        {
            options = options with { LocalNames = new Dictionary<string, IReadOnlyList<IPAddress>> { [mirror] = [address] } };   // the resolver answers the mirror's name
        }

        return filtering with { DataDir = dataDir, Dns = options, WebListen = web };
    }

    private List<IPEndPoint> Endpoints(IReadOnlyList<string> texts, string field)
    {
        var result = new List<IPEndPoint>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (EndpointText.TryParse(texts[i], out var endPoint, out var problem, allowPortZero: true))
            {
                result.Add(endPoint);
            }
            else
            {
                Error(field.StartsWith("--", StringComparison.Ordinal) ? field : $"{field}[{i}]", problem);
            }
        }

        return result;
    }

    private List<UpstreamOptions> FileUpstreams(IReadOnlyList<UpstreamConfig> upstreams)
    {
        var result = new List<UpstreamOptions>();
        if (upstreams.Count == 0)
        {
            Error("dns.upstreams", "is empty; name at least one upstream resolver");
        }

        if (upstreams.Count > 32)
        {
            Error("dns.upstreams", $"has {upstreams.Count} entries; at most 32 are supported");
        }

        for (var i = 0; i < upstreams.Count; i++)
        {
            var field = $"dns.upstreams[{i}]";
            var u = upstreams[i];
            if (u is null)
            {
                Error(field, "is null; expected an object such as { \"address\": \"192.0.2.1:53\" }");
                continue;
            }

            if (!EndpointText.TryParse(u.Address, out var endPoint, out var problem))
            {
                Error($"{field}.address", problem);
                continue;
            }

            var tls = u.Tls ?? false;
            if (tls && string.IsNullOrWhiteSpace(u.TlsName))
            {
                Error($"{field}.tlsName", "is required with tls: true (the name the upstream's certificate must carry, RFC 8310)");
            }

            if (u.TlsCaFile is not null && !File.Exists(u.TlsCaFile))
            {
                Error($"{field}.tlsCaFile", $"'{u.TlsCaFile}' does not exist");
            }

            result.Add(new UpstreamOptions(endPoint, tls, u.TlsName, u.TlsCaFile));
        }

        return result;
    }

    // --upstream ADDR:PORT, or tls://ADDR:PORT#NAME (unbound's "addr@port#name" convention for the TLS name).
    private List<UpstreamOptions> CliUpstreams(IReadOnlyList<string> texts)
    {
        var result = new List<UpstreamOptions>();
        foreach (var text in texts)
        {
            var tls = text.StartsWith("tls://", StringComparison.OrdinalIgnoreCase);
            var rest = tls ? text[6..] : text;
            string? name = null;
            var hash = rest.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                name = rest[(hash + 1)..];
                rest = rest[..hash];
            }

            if (tls && string.IsNullOrWhiteSpace(name))
            {
                Error("--upstream", $"'{text}' needs the server's certificate name: tls://ADDR:PORT#NAME");
            }
            else if (EndpointText.TryParse(rest, out var endPoint, out var problem))
            {
                result.Add(new UpstreamOptions(endPoint, tls, name));
            }
            else
            {
                Error("--upstream", problem);
            }
        }

        return result;
    }

    // DESIGN §6: with no configuration the box forwards to the system's resolvers, or to 127.0.0.1:53. On the box
    // itself the resolver listens on port 53 of every address, so a resolv.conf naming the box (or none, leaving the
    // loopback default) would have it forward each query to itself, round and round: those are never upstreams.
    private List<UpstreamOptions> SystemResolvers(string resolvConf, IReadOnlyList<IPEndPoint> listen)
    {
        var result = new List<UpstreamOptions>();
        try
        {
            foreach (var line in File.ReadLines(resolvConf))
            {
                var parts = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && parts[0] == "nameserver" && IPAddress.TryParse(parts[1].Split('%')[0], out var address))
                {
                    result.Add(new UpstreamOptions(new IPEndPoint(address, 53)));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No readable resolv.conf: fall through to the loopback default.
        }

        if (result.Count == 0)
        {
            result.Add(new UpstreamOptions(new IPEndPoint(IPAddress.Loopback, 53)));
        }

        var local = new Lazy<IReadOnlySet<IPAddress>>(SelfEndPoints.LocalAddresses);   // the interfaces are read once, if at all
        var own = result.Where(u => SelfEndPoints.IsOwn(u.EndPoint, listen, local)).ToList();
        result.RemoveAll(own.Contains);
        if (result.Count == 0)
        {
            Error("dns.upstreams", $"is not set, and {resolvConf} names no resolver but this box itself ({string.Join(", ", own.Select(u => u.EndPoint))}), "
                + "which would forward every query to itself; set dns.upstreams, or let DHCP give the box its resolvers first");
        }

        return result.Take(32).ToList();
    }

    private int Range(int? value, string field, int min, int max, int fallback)
    {
        if (value is not { } v)
        {
            return fallback;
        }

        if (v < min || v > max)
        {
            Error(field, $"is {v}; it must be from {min} to {max}");
            return fallback;
        }

        return v;
    }

    private T Choice<T>(string? value, string field, T fallback)
        where T : struct, Enum
    {
        if (value is null)
        {
            return fallback;
        }

        if (Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _))
        {
            return parsed;
        }

        Error(field, $"is '{value}'; expected one of: {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
        return fallback;
    }

    private T Fail<T>(string field, string problem, T fallback)
    {
        Error(field, problem);
        return fallback;
    }

    private void Error(string field, string problem)
        => _errors.Add($"{(field.StartsWith("--", StringComparison.Ordinal) ? "command line" : _source)}: {field}: {problem}");
}
