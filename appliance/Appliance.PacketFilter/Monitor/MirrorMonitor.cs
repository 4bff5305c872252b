using System.Buffers.Binary;
using Appliance.PacketFilter.Capture;
using Appliance.PacketFilter.Inspection;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Appliance.PacketFilter.Monitor;

/// <summary>
/// Monitor mode (DESIGN §3): the box hangs off a switch's mirror port and only watches, for a school that wants to
/// trial it before putting it in line. libpcap (SharpPcap) delivers copies of DNS answers, TLS ClientHellos, plain
/// HTTP requests and QUIC Initials; the same inspector judges them as it would inline, and every event is flagged
/// NotEnforced. A copy cannot be dropped (packet-path.md §1.6), so nothing is ever blocked from here.
/// </summary>
public sealed class MirrorMonitor : IDisposable
{
    /// <summary>
    /// What is worth seeing, tagged or untagged (a trunk mirror carries 802.1Q frames, which a plain filter misses):
    /// the client's side of TCP 80/443 and UDP 443, and DNS answers.
    /// </summary>
    public const string Filter = "(tcp dst port 443 or tcp dst port 80 or udp dst port 443 or udp src port 53)"
        + " or (vlan and (tcp dst port 443 or tcp dst port 80 or udp dst port 443 or udp src port 53))";

    private readonly LibPcapLiveDevice _device;
    private readonly FlowInspector _inspector;
    private readonly Lock _lock = new();
    private long _packets;
    private long _unreadable;
    private long _failures;

    private MirrorMonitor(LibPcapLiveDevice device, FlowInspector inspector)
    {
        _device = device;
        _inspector = inspector;
    }

    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>Frames that were not IPv4/IPv6 behind Ethernet, 802.1Q or Linux cooked headers.</summary>
    public long Unreadable => Interlocked.Read(ref _unreadable);

    /// <summary>Packets whose judging threw (should stay 0), and the last such failure.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public string? LastFailure { get; private set; }

    /// <summary>Starts watching <paramref name="interface"/> in promiscuous mode (a mirror port's traffic is not addressed to us).</summary>
    /// <exception cref="CaptureException">No such interface, no libpcap, or no permission; the message says which.</exception>
    public static MirrorMonitor Start(string @interface, FlowInspector inspector)
    {
        var device = Devices.Find(@interface, "packetFilter.monitorInterface");
        var monitor = new MirrorMonitor(device, inspector);
        try
        {
            device.Open(DeviceModes.Promiscuous, 500);
            device.Filter = Filter;
            device.OnPacketArrival += monitor.OnPacket;
            device.StartCapture();
        }
        catch (Exception ex) when (ex is PcapException or InvalidOperationException)
        {
            device.OnPacketArrival -= monitor.OnPacket;
            device.Close();
            throw new CaptureException($"packetFilter.monitorInterface: cannot capture on '{@interface}': {ex.Message} (the service needs CAP_NET_RAW)", ex);
        }

        return monitor;
    }

    private void OnPacket(object sender, PacketCapture e)
    {
        Interlocked.Increment(ref _packets);
        var ip = NetworkLayer(e.Data, e.Device.LinkType);
        if (ip.IsEmpty)
        {
            Interlocked.Increment(ref _unreadable);
            return;
        }

        lock (_lock)   // one capture thread in practice; the inspector is not thread-safe, so make sure
        {
            try
            {
                if (!_inspector.ObserveDnsAnswer(ip))
                {
                    _inspector.Inspect(ip);
                }
            }
            catch (Exception ex)
            {
                // An exception here would end the process (libpcap's thread); one bad packet is counted instead.
                Interlocked.Increment(ref _failures);
                LastFailure = $"{ex.GetType().Name}: {ex.Message}";
            }
        }
    }

    /// <summary>The IP packet inside a captured frame, or empty when it is not IPv4/IPv6.</summary>
    public static ReadOnlySpan<byte> NetworkLayer(ReadOnlySpan<byte> frame, PacketDotNet.LinkLayers link)
    {
        int at;
        ushort type;
        switch (link)
        {
            case PacketDotNet.LinkLayers.Ethernet when frame.Length >= 14:
                at = 12;
                type = BinaryPrimitives.ReadUInt16BigEndian(frame[at..]);
                at += 2;
                for (var tags = 0; tags < 2 && type is 0x8100 or 0x88a8 && frame.Length >= at + 4; tags++)
                {
                    type = BinaryPrimitives.ReadUInt16BigEndian(frame[(at + 2)..]);   // 802.1Q / 802.1ad: skip the tag
                    at += 4;
                }

                break;
            case PacketDotNet.LinkLayers.LinuxSll when frame.Length >= 16:
                type = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                at = 16;
                break;
            case PacketDotNet.LinkLayers.Raw or PacketDotNet.LinkLayers.RawLegacy when !frame.IsEmpty:
                return frame;
            default:
                return [];
        }

        return type is 0x0800 or 0x86dd && at <= frame.Length ? frame[at..] : [];
    }

    public void Dispose()
    {
        Devices.Stop(_device, OnPacket);
        lock (_lock)
        {
            _inspector.Dispose();
        }
    }
}
