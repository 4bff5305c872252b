using Appliance.Host.Configuration;
using Appliance.Radius.Certificates;
using Appliance.Radius.Users;
using Appliance.WebUI.Users;

namespace Appliance.Host.Hosting;

/// <summary>The web UI's Users, Guests and Wi-Fi pages over the running RADIUS service: its own user store and certificate.</summary>
public sealed class WifiAccounts(RadiusService radius, ApplianceSettings settings) : IWifiService
{
    public UserStore? Users => radius.Users;

    public string Ssid => settings.Radius.Ssid;

    public CertificateTrustInfo? Certificate => radius.Certificate;

    public string? AuthorityPem => radius.Certificates?.Authority?.ExportCertificatePem();

    // The same profile `appliance radius profile` writes (RadiusCommand).
    public byte[]? AppleProfile(TtlsInnerAuthentication inner) => radius.Certificates is { } certificates
        ? AppleWifiProfile.Create(new AppleWifiProfileOptions(settings.Radius.Ssid, settings.Radius.ServerName, certificates.Authority, "School Wi-Fi", TtlsInner: inner))
        : null;
}
