namespace Appliance.Fleet.Mqtt;

/// <summary>How the box reaches its Local Authority's broker. Defaults follow ../shared/reference/mqtt-fleet.md §2.</summary>
public sealed record FleetOptions
{
    public required string Host { get; init; }

    public int Port { get; init; } = 8883;

    public required FleetTopics Topics { get; init; }

    /// <summary>Defaults to the appliance id (the broker's ACLs are keyed on it: <c>%u</c>).</summary>
    public string? Username { get; init; }

    public string? Password { get; init; }

    public bool UseTls { get; init; } = true;

    /// <summary>PEM file of the CA that signed the broker's certificate; the system store when null.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM certificate and key for mutual TLS (the broker then takes the identity from the certificate).</summary>
    public string? ClientCertificateFile { get; init; }

    public string? ClientKeyFile { get; init; }

    /// <summary>How long the broker keeps the box's session (and queued commands) while it is away. MQTT 5's default, 0, loses them at once.</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.FromDays(7);

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>QoS 1 publishes in flight at once, further capped by the broker's Receive Maximum.</summary>
    public int MaxInFlight { get; init; } = 64;

    /// <summary>Chunks the broker accepted but the LA has not acknowledged this long are sent again (a broker crash loses them).</summary>
    public TimeSpan ResendAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A publish not acknowledged within this time ends the connection and starts a new one. MQTTnet waits for a
    /// PUBACK with no limit of its own, and a test caught a publish caught in a broker crash that never completed,
    /// stalling the pump for good.
    /// </summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan BackoffMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The broker announces "lost" only after this long away, so a quick reconnect does not flap the LA's view.</summary>
    public TimeSpan WillDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Software version and boot id for the birth message.</summary>
    public string Version { get; init; } = "0";

    public string BootId { get; init; } = Guid.NewGuid().ToString("N");
}
