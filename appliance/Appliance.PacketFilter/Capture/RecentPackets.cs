using System.Net;
using System.Security.Cryptography;
using Appliance.Core.Incidents;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Appliance.PacketFilter.Capture;

/// <summary>What to capture: on which interface, which subnets, for how long and how much at most.</summary>
public sealed record CaptureOptions(string Interface, IReadOnlyList<IPNetwork> Subnets)
{
    /// <summary>Packets older than this are let go.</summary>
    public TimeSpan Keep { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The most the capture holds in memory; the oldest go first.</summary>
    public long MaxBytes { get; init; } = 8 << 20;

    /// <summary>The ports DNS is on: 53, and any other the box itself serves DNS on.</summary>
    public IReadOnlyList<int> DnsPorts { get; init; } = [53];
}

/// <summary>
/// A rolling in-memory capture of DNS (UDP and TCP port 53) and TLS ClientHello packets (the first TLS handshake
/// record to port 443) to or from the panel's subnets, through libpcap with a kernel (BPF) filter so nothing else
/// is copied to user space. Bounded by age and bytes. An incident writes a copy of the last minutes as a pcap file.
/// Capturing needs CAP_NET_RAW (the service has it).
/// </summary>
public sealed class RecentPackets : IRecentPackets, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Queue<(DateTimeOffset At, RawCapture Packet)> _packets = new();
    private readonly CaptureOptions _options;
    private readonly TimeProvider _time;
    private readonly LibPcapLiveDevice _device;
    private long _bytes;
    private long _seen;
    private int[] _dnsPorts = [];

    private RecentPackets(LibPcapLiveDevice device, CaptureOptions options, TimeProvider time)
    {
        _device = device;
        _options = options;
        _dnsPorts = [.. options.DnsPorts];
        _time = time;
    }

    /// <summary>Packets captured since start (kept or since let go).</summary>
    public long Seen => Interlocked.Read(ref _seen);

    /// <summary>The BPF filter for the options: DNS both ways, ClientHellos to port 443 (IPv4 and IPv6 without extension headers).</summary>
    public static string Filter(IReadOnlyList<IPNetwork> subnets, IReadOnlyList<int>? dnsPorts = null)
    {
        var ports = dnsPorts is { Count: > 0 } p ? p : [53];
        var dns = $"({string.Join(" or ", ports.Distinct().Select(port => $"port {port}"))})";
        const string Hello4 = "(ip and tcp dst port 443 and tcp[((tcp[12:1] & 0xf0) >> 2):1] = 0x16)";
        const string Hello6 = "(ip6 and ip6[6] = 6 and tcp dst port 443 and ip6[(40 + ((ip6[52] & 0xf0) >> 2)):1] = 0x16)";
        var what = $"({dns} or {Hello4} or {Hello6})";
        return subnets.Count == 0 ? what : $"{what} and ({string.Join(" or ", subnets.Select(s => $"net {s}"))})";
    }

    /// <exception cref="CaptureException">libpcap is missing, the interface does not exist, or capturing is not allowed.</exception>
    public static RecentPackets Start(CaptureOptions options, TimeProvider time)
    {
        var device = Devices.Find(options.Interface, "panel.capture.interface");

        var capture = new RecentPackets(device, options, time);
        try
        {
            device.Open(DeviceModes.None, 500);
            device.Filter = Filter(options.Subnets, options.DnsPorts);
            device.OnPacketArrival += capture.OnPacket;
            device.StartCapture();
        }
        catch (Exception ex) when (ex is PcapException or InvalidOperationException)
        {
            device.OnPacketArrival -= capture.OnPacket;
            device.Close();
            throw new CaptureException($"panel.capture: cannot capture on '{options.Interface}': {ex.Message} (the service needs CAP_NET_RAW)", ex);
        }

        return capture;
    }

    /// <summary>Also captures DNS on these ports (the box's own listeners, once bound: a port 0 in the settings becomes a real one).</summary>
    public void AddDnsPorts(IEnumerable<int> ports)
    {
        lock (_lock)
        {
            _dnsPorts = [.. _dnsPorts.Union(ports.Where(p => p is > 0 and <= 65_535))];
            _device.Filter = Filter(_options.Subnets, _dnsPorts);
        }
    }

    private void OnPacket(object sender, PacketCapture e)
    {
        var packet = e.GetPacket();
        var now = _time.GetUtcNow();
        Interlocked.Increment(ref _seen);
        lock (_lock)
        {
            _packets.Enqueue((now, packet));
            _bytes += packet.Data.Length;
            while (_packets.Count > 0 && (_bytes > _options.MaxBytes || now - _packets.Peek().At > _options.Keep))
            {
                _bytes -= _packets.Dequeue().Packet.Data.Length;
            }
        }
    }

    public CaptureFile Write(string path, DateTimeOffset from, DateTimeOffset to)
    {
        List<RawCapture> chosen;
        lock (_lock)
        {
            chosen = [.. _packets.Where(p => p.At >= from && p.At <= to).Select(p => p.Packet)];
        }

        var temp = path + ".tmp";
        using (var writer = new CaptureFileWriterDevice(temp, FileMode.Create))
        {
            writer.Open(new DeviceConfiguration { LinkLayerType = _device.LinkType });
            foreach (var packet in chosen)
            {
                writer.Write(packet);
            }
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);   // evidence: the owner only, like the bundle
        }

        using (var flush = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite))
        {
            flush.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        using var stream = File.OpenRead(path);
        return new CaptureFile(path, Convert.ToHexStringLower(SHA256.HashData(stream)), chosen.Count);
    }

    public void Dispose()
    {
        Devices.Stop(_device, OnPacket);
        lock (_lock)
        {
            _packets.Clear();
            _bytes = 0;
        }
    }
}

/// <summary>The capture cannot start; the message says why and what to do.</summary>
public sealed class CaptureException : Exception
{
    public CaptureException(string message)
        : base(message)
    {
    }

    public CaptureException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CaptureException()
    {
    }
}
