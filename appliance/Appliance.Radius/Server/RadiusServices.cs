using Appliance.Radius.Accounting;
using Appliance.Radius.Clients;
using Appliance.Radius.Eap;
using Appliance.Radius.Users;
using Microsoft.Extensions.Logging;

namespace Appliance.Radius.Server;

/// <summary>What the RADIUS server answers with: its clients, the user store, the EAP methods and where accounting goes.</summary>
public sealed record RadiusServices
{
    public required RadiusClients Clients { get; init; }

    public required IUserDirectory Users { get; init; }

    /// <summary>PEAP and TTLS; null: EAP is refused (PAP only, e.g. before a certificate exists).</summary>
    public EapServer? Eap { get; init; }

    public AccessPolicy Policy { get; init; } = new();

    public ClassToken Classes { get; init; } = new(ClassToken.NewKey());

    /// <summary>Logins accepted lately, which accounting without our Class must match (<see cref="RecentLogins"/>).</summary>
    public RecentLogins Logins { get; init; } = new(TimeProvider.System);

    /// <summary>Where accounting records go (IP → user); null: accounting is answered and not used.</summary>
    public AccountingIdentityMap? Identities { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public required ILogger Logger { get; init; }
}
