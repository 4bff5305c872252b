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
}

/// <summary>The validated settings the appliance runs with.</summary>
public sealed record ApplianceSettings(string DataDir, DnsServerOptions Dns, IPEndPoint WebListen)
{
    /// <summary>Category block lists (--block and filtering.lists), each a text list, a folder or a compiled one.</summary>
    public IReadOnlyList<Appliance.Core.Lists.ListSources.Source> Blocks { get; init; } = [];

    /// <summary>The locked statutory lists (filtering.statutoryLists), each with its statutory category.</summary>
    public IReadOnlyList<Appliance.Core.Lists.ListSources.Source> Statutory { get; init; } = [];

    /// <summary>The policy document to start from when the store has none (filtering.policyFile).</summary>
    public string? PolicyFile { get; init; }

    public const string DefaultDataDir = "./var";
    public static readonly IPEndPoint DefaultWebListen = new(IPAddress.Loopback, 8080);
    public static readonly IPEndPoint DefaultDnsListen = new(IPAddress.Loopback, 5353);
}
