namespace Appliance.Fleet.Outbox;

/// <summary>
/// The outbox's streams and their lanes (../shared/reference/mqtt-fleet.md §5): the pump sends the lowest lane
/// first, and a full disk budget drops the highest lanes first. Incidents, alerts and the audit stream are never
/// dropped; DNS and SNI logs go before blocks.
/// </summary>
public static class Streams
{
    public const string Incident = "incident";
    public const string Alert = "alert";
    public const string Audit = "audit";
    public const string Block = "block";
    public const string Health = "health";
    public const string Dns = "dns";
    public const string Sni = "sni";

    /// <summary>Lanes at or above this may be dropped under the disk budget.</summary>
    public const int FirstDroppableLane = 3;

    private static readonly Dictionary<string, int> Lanes = new(StringComparer.Ordinal)
    {
        [Incident] = 0,
        [Alert] = 1,
        [Audit] = 2,
        [Block] = 3,
        [Health] = 4,
        [Dns] = 5,
        [Sni] = 5,
    };

    public static IEnumerable<string> All => Lanes.Keys;

    /// <exception cref="ArgumentException">Not one of the streams above (the LA's ACLs and ingest know only these).</exception>
    public static int Lane(string stream) => Lanes.TryGetValue(stream, out var lane)
        ? lane
        : throw new ArgumentException($"'{stream}' is not an outbox stream (known: {string.Join(", ", Lanes.Keys)})", nameof(stream));

    public static bool IsKnown(string stream) => Lanes.ContainsKey(stream);
}
