using Appliance.Fleet.Mqtt;
using Appliance.Fleet.Outbox;

namespace Appliance.Host.Configuration;

/// <summary>The fleet section: the broker, the box's place in the LA's topic tree, its credentials and the outbox budget.</summary>
public sealed partial class SettingsBuilder
{
    private FleetSettings? Fleet(FleetConfig? fleet)
    {
        if (fleet is null)
        {
            return null;
        }

        string? host = null;
        var port = 0;
        if (fleet.Broker is null)
        {
            Error("fleet.broker", "is missing; expected HOST:PORT of the LA's MQTT broker");
        }
        else
        {
            var colon = fleet.Broker.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(fleet.Broker.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
                || port is < 1 or > 65535)
            {
                Error("fleet.broker", $"'{fleet.Broker}' is not HOST:PORT");
            }
            else
            {
                host = fleet.Broker[..colon].Trim('[', ']');
            }
        }

        FleetTopics? topics = null;
        try
        {
            topics = new FleetTopics(fleet.La ?? "", fleet.School ?? "", fleet.ApplianceId ?? "");
        }
        catch (ArgumentException ex)
        {
            Error($"fleet.{(ex.ParamName == "appliance" ? "applianceId" : ex.ParamName)}", ex.Message);
        }

        string? password = null;
        if (fleet.PasswordFile is not null && ExistingPath(fleet.PasswordFile, "fleet.passwordFile") is { } passwordFile)
        {
            password = File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
        }

        var tls = fleet.Tls ?? true;
        var ca = fleet.CaFile is null ? null : ExistingPath(fleet.CaFile, "fleet.caFile");
        var cert = fleet.CertFile is null ? null : ExistingPath(fleet.CertFile, "fleet.certFile");
        var key = fleet.KeyFile is null ? null : ExistingPath(fleet.KeyFile, "fleet.keyFile");
        if ((cert is null) != (key is null))
        {
            Error("fleet.certFile", "and fleet.keyFile go together (mutual TLS needs both)");
        }
        else if (cert is not null && !tls)
        {
            Error("fleet.certFile", "needs tls: a client certificate means nothing over plain TCP");
        }
        else if (password is null && cert is null)
        {
            Error("fleet.passwordFile", "is missing; the broker needs a password or a client certificate (fleet.certFile)");
        }

        string? commandKey = null;
        if (fleet.CommandKeyFile is not null && ExistingPath(fleet.CommandKeyFile, "fleet.commandKeyFile") is { } keyPath)
        {
            commandKey = File.ReadAllText(keyPath);
            if (commandKey.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                Error("fleet.commandKeyFile", $"'{keyPath}' holds a private key; a box needs only the LA's public key (la-fleet keygen writes it as .pub) — a private key here could sign commands for every box");
            }

            try
            {
                using var ecdsa = System.Security.Cryptography.ECDsa.Create();
                ecdsa.ImportFromPem(commandKey);
                if (ecdsa.KeySize != 256)
                {
                    Error("fleet.commandKeyFile", $"'{keyPath}' is a {ecdsa.KeySize}-bit key; the LA's command key is ECDSA P-256");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                Error("fleet.commandKeyFile", $"'{keyPath}' is not a PEM ECDSA public key: {ex.Message}");
            }
        }

        var budget = Range(fleet.OutboxBudgetMb, "fleet.outboxBudgetMb", 16, 1 << 20, 2048);
        var resend = Range(fleet.ResendAfterMinutes, "fleet.resendAfterMinutes", 1, 24 * 60, 10);
        var expiry = Range(fleet.SessionExpiryHours, "fleet.sessionExpiryHours", 1, 24 * 30, 168);
        var keepAlive = Range(fleet.KeepAliveSeconds, "fleet.keepAliveSeconds", 5, 3_600, 30);
        if (host is null || topics is null)
        {
            return null;
        }

        var link = new FleetOptions
        {
            Host = host,
            Port = port,
            Topics = topics,
            Password = password,
            UseTls = tls,
            CaFile = ca,
            ClientCertificateFile = cert,
            ClientKeyFile = key,
            ResendAfter = TimeSpan.FromMinutes(resend),
            SessionExpiry = TimeSpan.FromHours(expiry),
            KeepAlive = TimeSpan.FromSeconds(keepAlive),
            Version = typeof(SettingsBuilder).Assembly.GetName().Version?.ToString(3) ?? "0",
        };
        return new FleetSettings(link, new OutboxOptions { BudgetBytes = budget * (1L << 20) }, fleet.SendQueries ?? true) { CommandKeyPem = commandKey, PseudonymiseGroups = fleet.PseudonymiseGroups ?? [] };
    }
}
