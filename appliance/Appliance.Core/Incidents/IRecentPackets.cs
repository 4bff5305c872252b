namespace Appliance.Core.Incidents;

/// <summary>
/// A short rolling capture of recent DNS and TLS ClientHello packets that an incident's evidence can take a copy of
/// (the packet filter's capture implements it; the incident service uses it without knowing how).
/// </summary>
public interface IRecentPackets
{
    /// <summary>Writes the packets captured between <paramref name="from"/> and <paramref name="to"/> as a pcap file.</summary>
    /// <exception cref="IOException">The file could not be written.</exception>
    CaptureFile Write(string path, DateTimeOffset from, DateTimeOffset to);
}

/// <summary>A written capture: where, its SHA-256 (hex), and how many packets it holds.</summary>
public sealed record CaptureFile(string Path, string Sha256, int Packets);
