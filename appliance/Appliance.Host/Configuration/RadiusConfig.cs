namespace Appliance.Host.Configuration;

/// <summary>The radius section as the technician writes it (validated into <see cref="RadiusSettings"/>; docs/radius.md).</summary>
public sealed record RadiusConfig
{
    /// <summary>Serve RADIUS (default false: the school's access points are pointed at the box when it is ready).</summary>
    public bool? Enabled { get; init; }

    /// <summary>The address to listen on (default 0.0.0.0: the access points are on the LAN).</summary>
    public string? Listen { get; init; }

    public int? AuthPort { get; init; }

    public int? AccountingPort { get; init; }

    /// <summary>The name in the server certificate, which clients are told to check (e.g. "radius.school.internal").</summary>
    public string? ServerName { get; init; }

    /// <summary>The Wi-Fi network's name, for the joining instructions and the Apple profile.</summary>
    public string? Ssid { get; init; }

    /// <summary>A real certificate (PEM) instead of the generated one; with <see cref="KeyFile"/>, and <see cref="ChainFile"/> for intermediates.</summary>
    public string? CertificateFile { get; init; }

    public string? KeyFile { get; init; }

    public string? ChainFile { get; init; }

    /// <summary>The access points and controllers, each with its own shared secret.</summary>
    public IReadOnlyList<RadiusClientConfig>? Clients { get; init; }

    /// <summary>The VLAN per policy group (dynamic VLAN, RFC 3580); groups not listed stay on the SSID's VLAN.</summary>
    public IReadOnlyDictionary<string, int>? Vlans { get; init; }

    /// <summary>How often the access point re-authenticates a user (Session-Timeout); a guest's is never past their expiry.</summary>
    public int? SessionTimeoutMinutes { get; init; }
}

/// <summary>One access point or controller: a name, its address or subnet, and its secret (inline or in a file).</summary>
public sealed record RadiusClientConfig
{
    public string? Name { get; init; }

    public string? Address { get; init; }

    public string? Secret { get; init; }

    /// <summary>A file holding the secret (first line), so the configuration file itself holds none.</summary>
    public string? SecretFile { get; init; }

    /// <summary>Where the access point takes Disconnect-Requests (RFC 5176; default 3799).</summary>
    public int? DisconnectPort { get; init; }
}

/// <summary>The validated radius section.</summary>
public sealed record RadiusSettings
{
    public bool Enabled { get; init; }

    public System.Net.IPEndPoint AuthEndPoint { get; init; } = new(System.Net.IPAddress.Any, 1812);

    public System.Net.IPEndPoint AccountingEndPoint { get; init; } = new(System.Net.IPAddress.Any, 1813);

    public string ServerName { get; init; } = "radius.appliance.internal";

    public string Ssid { get; init; } = "School";

    public Appliance.Radius.Certificates.RadiusCertificateOptions Certificate { get; init; } = new("radius.appliance.internal");

    public IReadOnlyList<Appliance.Radius.Clients.RadiusClientDefinition> Clients { get; init; } = [];

    public IReadOnlyDictionary<string, int> Vlans { get; init; } = new Dictionary<string, int>();

    public TimeSpan? SessionTimeout { get; init; }
}
