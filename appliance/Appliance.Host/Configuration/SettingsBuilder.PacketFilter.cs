using System.Globalization;
using System.Net;
using Appliance.PacketFilter;
using Appliance.PacketFilter.Firewall;

namespace Appliance.Host.Configuration;

/// <summary>The packetFilter section (and <c>appliance firewall</c>'s overrides): where the box sits and how the kernel and the verdict loop filter.</summary>
public sealed partial class SettingsBuilder
{
    private static readonly (string Name, FirewallMode Mode)[] Modes =
        [("off", FirewallMode.Off), ("bridge", FirewallMode.Bridge), ("router", FirewallMode.Router), ("dns-only", FirewallMode.DnsOnly), ("monitor", FirewallMode.Monitor)];

    private const string InterfaceRule = "is not an interface name (1 to 15 letters, digits, '-', '_' or '.')";

    private PacketFilterSettings PacketFilter(PacketFilterConfig? config, CliOverrides cli, IReadOnlyList<IPEndPoint> dnsListen)
    {
        var pf = config ?? new PacketFilterConfig();
        var defaults = new PacketFilterSettings();
        var mode = cli.PacketFilterMode is { } cliMode ? Mode(cliMode, "--mode") : pf.Mode is { } fileMode ? Mode(fileMode, "packetFilter.mode") : defaults.Mode;

        var lanField = cli.Lan.Count > 0 ? "--lan" : "packetFilter.lan";
        var lan = cli.Lan.Count > 0 ? cli.Lan : pf.Lan ?? [];
        for (var i = 0; i < lan.Count; i++)
        {
            if (!FirewallOptions.IsInterfaceName(lan[i]))
            {
                Error(cli.Lan.Count > 0 ? lanField : $"{lanField}[{i}]", $"'{lan[i]}' {InterfaceRule}");
            }
        }

        if (mode is FirewallMode.Bridge or FirewallMode.Router && lan.Count == 0)
        {
            // Named as the option when the mode came from the command line and the file has no lan to go with it.
            var example = mode == FirewallMode.Bridge ? "br0" : "eth1";
            var (field, hint) = cli.PacketFilterMode is not null && pf.Lan is null
                ? ("--lan", $"e.g. --lan {example}")
                : (lanField, $"e.g. [\"{example}\"]");
            Error(field, $"is required in {FirewallPlan.ModeName(mode)} mode; name the school-side {(mode == FirewallMode.Bridge ? "bridge" : "interfaces")}, {hint}");
        }

        InterfaceName(pf.Wan, "packetFilter.wan");
        InterfaceName(pf.MonitorInterface, "packetFilter.monitorInterface");
        if (mode == FirewallMode.Monitor && pf.MonitorInterface is null)
        {
            Error("packetFilter.monitorInterface", "is required in monitor mode; name the mirror port (e.g. \"eth2\")");
        }

        // The resolver's own port by default: a box serving DNS on 5353 wants LAN DNS redirected there.
        var listenPort = dnsListen.Select(e => e.Port).FirstOrDefault(p => p != 0, 53);
        var resolverPort = cli.ResolverPort is { } p
            ? Range(p, "--resolver-port", 1, 65_535, listenPort)
            : Range(pf.ResolverPort, "packetFilter.resolverPort", 1, 65_535, listenPort);

        var flowTable = pf.FlowTable ?? new PacketFilterFlowTableConfig();
        var settings = new PacketFilterSettings
        {
            Mode = mode,
            Lan = lan,
            Wan = pf.Wan,
            ResolverPort = resolverPort,
            Queues = cli.Queues is { } q ? CliQueues(q, defaults.Queues) : FileQueues(pf.Queues, defaults.Queues),
            // Above the queue length FAIL_OPEN lets packets through unfiltered; below 64 a burst of new flows would.
            QueueMaxLength = Range(pf.QueueMaxLength, "packetFilter.queueMaxLength", 64, 1 << 20, defaults.QueueMaxLength),
            // A ClientHello with post-quantum key shares is ~1.8 KB; less than an IP + TCP header and a TLS record header is useless.
            CopyRange = Range(pf.CopyRange, "packetFilter.copyRange", 128, 65_535, defaults.CopyRange),
            InspectPackets = Range(pf.InspectPackets, "packetFilter.inspectPackets", FirewallOptions.MinInspectPackets, FirewallOptions.MaxInspectPackets, defaults.InspectPackets),
            UnnamedFlows = Choice<UnnamedFlowPolicy>(pf.UnnamedFlows, "packetFilter.unnamedFlows", defaults.UnnamedFlows),
            UnreadableFlows = Choice<UnnamedFlowPolicy>(pf.UnreadableFlows, "packetFilter.unreadableFlows", defaults.UnreadableFlows),
            Quic = Choice<QuicPolicy>(pf.Quic, "packetFilter.quic", defaults.Quic),
            FlowTableCapacity = Range(flowTable.Capacity, "packetFilter.flowTable.capacity", 1_024, 1 << 24, defaults.FlowTableCapacity),
            FlowIdle = TimeSpan.FromSeconds(Range(flowTable.IdleSeconds, "packetFilter.flowTable.idleSeconds", 5, 3_600, (int)defaults.FlowIdle.TotalSeconds)),
            MonitorInterface = pf.MonitorInterface,
            Ipv6 = !cli.NoIpv6 && (pf.Ipv6 ?? defaults.Ipv6),
        };
        var (doh, dohFile) = DohAddresses(pf.DohAddressesFile, defaults.DohAddresses);
        return settings with { DohAddresses = doh, DohAddressesFile = dohFile };
    }

    private FirewallMode Mode(string text, string field)
    {
        foreach (var (name, mode) in Modes)
        {
            if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase))
            {
                return mode;
            }
        }

        Error(field, $"is '{text}'; expected one of: {string.Join(", ", Modes.Select(m => m.Name))}");
        return FirewallMode.Off;
    }

    private void InterfaceName(string? name, string field)
    {
        if (name is not null && !FirewallOptions.IsInterfaceName(name))
        {
            Error(field, $"'{name}' {InterfaceRule}");
        }
    }

    private QueueRange FileQueues(PacketFilterQueuesConfig? queues, QueueRange fallback)
    {
        var first = Range(queues?.First, "packetFilter.queues.first", 0, 65_535, fallback.First);
        var count = Range(queues?.Count, "packetFilter.queues.count", 1, QueueRange.MaxCount, fallback.Count);
        return Queues(first, count, "packetFilter.queues", fallback);
    }

    // --queues FIRST:COUNT, e.g. 0:4 for queues 0 to 3.
    private QueueRange CliQueues(string text, QueueRange fallback)
    {
        var parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            Error("--queues", $"'{text}' is not FIRST:COUNT (e.g. 0:4 for queues 0 to 3)");
            return fallback;
        }

        return Queues(Range(first, "--queues", 0, 65_535, fallback.First), Range(count, "--queues", 1, QueueRange.MaxCount, fallback.Count), "--queues", fallback);
    }

    private QueueRange Queues(int first, int count, string field, QueueRange fallback)
    {
        if (first + count - 1 > ushort.MaxValue)
        {
            Error(field, $"{count} queues from {first} go past queue 65535");
            return fallback;
        }

        return new QueueRange((ushort)first, (ushort)count);
    }

    private (DohAddressList List, string? File) DohAddresses(string? path, DohAddressList builtIn)
    {
        if (path is null)
        {
            return (builtIn, null);
        }

        try
        {
            return (DohAddressList.Load(path), path);
        }
        catch (InvalidDataException ex)
        {
            Error("packetFilter.dohAddressesFile", ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Error("packetFilter.dohAddressesFile", $"'{path}' cannot be read: {ex.Message}");
        }

        return (builtIn, path);
    }
}
