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
}

/// <summary>The validated settings the appliance runs with.</summary>
public sealed record ApplianceSettings(string DataDir, DnsServerOptions Dns, IPEndPoint WebListen)
{
    public const string DefaultDataDir = "./var";
    public static readonly IPEndPoint DefaultWebListen = new(IPAddress.Loopback, 8080);
    public static readonly IPEndPoint DefaultDnsListen = new(IPAddress.Loopback, 5353);
}
