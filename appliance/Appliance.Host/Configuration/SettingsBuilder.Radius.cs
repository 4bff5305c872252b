using System.Net;
using Appliance.Radius.Certificates;
using Appliance.Radius.Clients;

namespace Appliance.Host.Configuration;

/// <summary>The radius section: where the RADIUS server listens, its certificate, its clients and what an Accept carries.</summary>
public sealed partial class SettingsBuilder
{
    private RadiusSettings Radius(RadiusConfig? config)
    {
        var defaults = new RadiusSettings();
        if (config is null || config.Enabled != true)
        {
            return defaults;
        }

        var address = IPAddress.Any;
        if (config.Listen is { } listen && !IPAddress.TryParse(listen, out address!))
        {
            Error("radius.listen", $"'{listen}' is not an IP address");
            address = IPAddress.Any;
        }

        var serverName = config.ServerName ?? defaults.ServerName;
        if (!GeneratedCertificates.IsValidServerName(serverName))
        {
            Error("radius.serverName", $"'{serverName}' is not a DNS name (letters, digits, '-' and dots)");
        }

        if ((config.CertificateFile is null) != (config.KeyFile is null))
        {
            Error(config.CertificateFile is null ? "radius.certificateFile" : "radius.keyFile", "is needed with the other: a real certificate needs both its file and its key");
        }

        var clients = RadiusClientDefinitions(config.Clients ?? []);
        if (clients.Count == 0)
        {
            Error("radius.clients", "lists no access point; add one with its address (or subnet) and a secret of at least 16 characters");
        }

        var vlans = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (group, vlan) in config.Vlans ?? new Dictionary<string, int>())
        {
            // IEEE 802.1Q: 0 and 4095 are reserved.
            vlans[group.ToLowerInvariant()] = Range(vlan, $"radius.vlans.{group}", 1, 4094, 1);
        }

        return new RadiusSettings
        {
            Enabled = true,
            AuthEndPoint = new IPEndPoint(address, Range(config.AuthPort, "radius.authPort", 1, 65_535, 1812)),
            AccountingEndPoint = new IPEndPoint(address, Range(config.AccountingPort, "radius.accountingPort", 1, 65_535, 1813)),
            ServerName = serverName,
            Ssid = config.Ssid ?? defaults.Ssid,
            Certificate = new RadiusCertificateOptions(serverName, config.CertificateFile, config.KeyFile, config.ChainFile),
            Clients = clients,
            Vlans = vlans,
            SessionTimeout = config.SessionTimeoutMinutes is { } minutes
                ? TimeSpan.FromMinutes(Range(minutes, "radius.sessionTimeoutMinutes", 5, 7 * 24 * 60, 720))
                : null,
        };
    }

    private List<RadiusClientDefinition> RadiusClientDefinitions(IReadOnlyList<RadiusClientConfig> configs)
    {
        var definitions = new List<RadiusClientDefinition>();
        for (var i = 0; i < configs.Count; i++)
        {
            var c = configs[i];
            var field = $"radius.clients[{i}]";
            var secret = c.Secret;
            if (c.SecretFile is { } file)
            {
                try
                {
                    secret = File.ReadLines(file).FirstOrDefault()?.Trim();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Error($"{field}.secretFile", $"cannot be read: {ex.Message}");
                    continue;
                }
            }

            if (c.Name is null || c.Address is null || secret is null)
            {
                Error(field, "needs a name, an address (or subnet) and a secret (or secretFile)");
                continue;
            }

            definitions.Add(new RadiusClientDefinition(c.Name, c.Address, secret, c.DisconnectPort));
        }

        try
        {
            RadiusClients.Build(definitions);   // the table's own checks: addresses, duplicate names, secrets of 16+ octets
        }
        catch (ArgumentException ex)
        {
            Error("radius.clients", ex.Message);
        }

        return definitions;
    }
}
