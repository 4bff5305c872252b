using SharpPcap;
using SharpPcap.LibPcap;

namespace Appliance.PacketFilter.Capture;

/// <summary>libpcap's interfaces, found by name with errors that name the setting that chose it.</summary>
internal static class Devices
{
    /// <exception cref="CaptureException">libpcap is missing or there is no such interface.</exception>
    public static LibPcapLiveDevice Find(string name, string setting)
    {
        LibPcapLiveDevice? device;
        try
        {
            device = LibPcapLiveDeviceList.Instance.FirstOrDefault(d => d.Name == name);
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or PcapException)
        {
            throw new CaptureException($"{setting}: libpcap cannot be loaded ({ex.GetBaseException().Message}); install the 'libpcap0.8' package", ex);
        }

        return device ?? throw new CaptureException($"{setting}: there is no interface '{name}' to capture on");
    }

    /// <summary>
    /// Detaches <paramref name="handler"/> and stops and closes the capture. The device list is a process-wide
    /// singleton: without this, a restarted service's old capture would go on receiving (and holding) packets.
    /// </summary>
    public static void Stop(LibPcapLiveDevice device, PacketArrivalEventHandler handler)
    {
        device.OnPacketArrival -= handler;
        try
        {
            device.StopCapture();
        }
        catch (PcapException)
        {
            // already stopped
        }

        device.Close();
    }
}
