using System.Globalization;
using System.Text;

namespace Appliance.Radius.Certificates;

/// <summary>The device families whose joining steps differ (reference/radius.md §3).</summary>
public enum ClientPlatform
{
    Windows,
    Apple,
    Android,
    ChromeOS,
}

/// <summary>How one platform joins the network: numbered steps, then notes (caveats, managed-fleet options).</summary>
public sealed record PlatformInstructions(ClientPlatform Platform, string Title, IReadOnlyList<string> Steps, IReadOnlyList<string> Notes);

/// <summary>
/// Per-platform joining instructions for the web UI, built from the certificate actually in use so that users compare
/// the right fingerprint. Every statement comes from reference/radius.md §3 (what clients need); none of them names
/// a settings path that a vendor may move.
/// </summary>
public static class JoiningInstructions
{
    public static IReadOnlyList<PlatformInstructions> For(CertificateTrustInfo trust, string ssid)
    {
        ArgumentNullException.ThrowIfNull(trust);
        var server = trust.ServerName;
        var ca = trust.Authority;
        var installCa = ca is null
            ? "This network's certificate is from a public CA: choose \"Use system certificates\""
            : $"Install the school's CA certificate (ca.pem, SHA-256 {ca.Sha256Fingerprint}) and choose it as the CA certificate";

        return
        [
            new(ClientPlatform.Windows, "Windows 10 and 11",
                [
                    $"Choose the network \"{ssid}\" and Connect; Windows uses PEAP with MSCHAPv2 on its own.",
                    "Type your user name and password (not \"use my Windows account\").",
                    $"When Windows asks whether to continue connecting, show the certificate details and check the thumbprint: {trust.Server.Sha1Fingerprint}. Connect only if it matches.",
                ],
                [
                    "Credential Guard (on by default on Windows 11 22H2+ Enterprise and Education, and some Pro) blocks saved-credential single sign-on for MSCHAPv2; typed credentials still work, but users may have to type them at each connection. An EAP-TTLS/PAP profile avoids this.",
                    ca is null
                        ? "Managed devices: a profile (Group Policy, Intune or XML) with the server name; the certificate chains to a public root."
                        : $"Managed devices: put the CA in the Trusted Root store and a profile (Group Policy, Intune or XML) naming the root thumbprint {ca.Sha1Fingerprint} and the server name {server}; users then see no prompt.",
                    "Windows 11 uses TLS 1.3 for EAP by default and falls back to TLS 1.2.",
                ]),
            new(ClientPlatform.Apple, "macOS, iOS and iPadOS",
                [
                    "Best: install the network profile (.mobileconfig) from this page. It holds the CA and the server name, so the device never asks to trust a certificate.",
                    $"Or choose \"{ssid}\" and sign in with your user name and password; PEAP and TTLS are found on their own.",
                    $"Without the profile the device asks you to trust the certificate on first join: check it is for {server} with SHA-256 fingerprint {trust.Server.Sha256Fingerprint} before you trust it.",
                ],
                ["For EAP-TTLS the inner method (PAP or MSCHAPv2) is set in the profile; PEAP-MSCHAPv2 needs nothing set."]),
            new(ClientPlatform.Android, "Android 11 and later",
                [
                    $"Choose \"{ssid}\".",
                    "EAP method: PEAP. Phase 2 authentication: MSCHAPV2.",
                    ca is null ? $"CA certificate: \"Use system certificates\"." : $"CA certificate: the school's CA, installed from this page (ca.pem), or on Android 13 and later \"Trust on first use\".",
                    $"Domain: {server}",
                    "Identity: your user name; Password: your password.",
                ],
                [
                    "Since Android 11 a CA certificate must be chosen: \"Do not validate\" is no longer offered.",
                    "A certificate from a public CA for a real DNS name lets \"Use system certificates\" with the domain work without installing anything.",
                ]),
            new(ClientPlatform.ChromeOS, "ChromeOS",
                [
                    $"Choose \"{ssid}\". EAP method: PEAP (or EAP-TTLS); Phase 2: MSCHAPv2.",
                    installCa + ".",
                    "Identity: your user name; Password: your password.",
                ],
                ["Managed Chromebooks: push the CA and the network from the Admin console."]),
        ];
    }

    /// <summary>The instructions as Markdown (also readable as plain text): a summary of the certificate, then a section per platform.</summary>
    public static string ToMarkdown(CertificateTrustInfo trust, string ssid, IReadOnlyList<PlatformInstructions> instructions)
    {
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentNullException.ThrowIfNull(instructions);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.Append(c, $"# Joining \"{ssid}\"\n\n");
        text.Append(c, $"- Server name: `{trust.ServerName}`\n");
        text.Append(c, $"- Server certificate SHA-256: `{trust.Server.Sha256Fingerprint}`\n");
        text.Append(c, $"- Server certificate SHA-1 (Windows thumbprint): `{trust.Server.Sha1Fingerprint}`\n");
        text.Append(c, $"- Valid until: {trust.Server.NotAfter:yyyy-MM-dd}\n");
        if (trust.Authority is { } ca)
        {
            text.Append(c, $"- CA: {ca.Subject}, SHA-256 `{ca.Sha256Fingerprint}`, valid until {ca.NotAfter:yyyy-MM-dd}\n");
        }

        foreach (var platform in instructions)
        {
            text.Append(c, $"\n## {platform.Title}\n\n");
            for (var i = 0; i < platform.Steps.Count; i++)
            {
                text.Append(c, $"{i + 1}. {platform.Steps[i]}\n");
            }

            if (platform.Notes.Count > 0)
            {
                text.Append('\n');
                foreach (var note in platform.Notes)
                {
                    text.Append(c, $"- {note}\n");
                }
            }
        }

        return text.ToString();
    }
}
