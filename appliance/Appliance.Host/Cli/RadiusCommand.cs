using System.CommandLine;
using Appliance.Host.Configuration;
using Appliance.Radius.Certificates;

namespace Appliance.Host.Cli;

/// <summary>
/// <c>appliance radius certificate|instructions|profile</c>: what the technician gives the school before the web UI does
/// (issue 8) — the certificate clients are told to trust (made on first use, as the service would), the per-platform
/// joining instructions, and the Apple .mobileconfig.
/// </summary>
public static class RadiusCommand
{
    public static Command Create()
    {
        var radius = new Command("radius", "The RADIUS server's certificate and how devices join the Wi-Fi");
        var config = new Option<FileInfo?>("--config") { Description = "JSON configuration file (its radius and dataDir settings); without it the local default", HelpName = "FILE" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Replaces dataDir: where the certificate is kept (DATA_DIR/radius)", HelpName = "DIR" };
        var ssid = new Option<string?>("--ssid") { Description = "The Wi-Fi network's name (default radius.ssid)", HelpName = "SSID" };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the profile", Required = true, HelpName = "FILE" };
        var ttlsPap = new Option<bool>("--ttls-pap") { Description = "Apple profile: TTLS with PAP inside (accounts without an NT hash) instead of MSCHAPv2" };

        var certificate = new Command("certificate", "Print the server certificate's names, dates and fingerprints (made on first use)") { config, dataDir };
        certificate.SetAction(parse => Run(parse, config, dataDir, (settings, certs) =>
        {
            var info = certs.TrustInfo;
            Console.WriteLine($"server name  {info.ServerName}{(info.IsGenerated ? " (generated; CA in DATA_DIR/radius/ca.pem)" : "")}");
            Console.WriteLine($"subject      {info.Server.Subject}");
            Console.WriteLine($"issuer       {info.Server.Issuer}");
            Console.WriteLine($"names        {string.Join(", ", info.Server.DnsNames)}");
            Console.WriteLine($"valid        {info.Server.NotBefore:yyyy-MM-dd} to {info.Server.NotAfter:yyyy-MM-dd}");
            Console.WriteLine($"SHA-256      {info.Server.Sha256Fingerprint}");
            Console.WriteLine($"SHA-1        {info.Server.Sha1Fingerprint}   (the thumbprint Windows shows)");
            foreach (var problem in info.Problems)
            {
                Console.WriteLine($"{(problem.IsFatal ? "PROBLEM" : "warning")}      {problem.Message}");
            }

            return info.Problems.Any(p => p.IsFatal) ? ExitCodes.RuntimeFailure : ExitCodes.Ok;
        }));

        var instructions = new Command("instructions", "Print how to join the Wi-Fi on Windows, Apple, Android and ChromeOS (Markdown)") { config, dataDir, ssid };
        instructions.SetAction(parse => Run(parse, config, dataDir, (settings, certs) =>
        {
            var network = parse.GetValue(ssid) ?? settings.Radius.Ssid;
            Console.Write(JoiningInstructions.ToMarkdown(certs.TrustInfo, network, JoiningInstructions.For(certs.TrustInfo, network)));
            return ExitCodes.Ok;
        }));

        var profile = new Command("profile", "Write the Apple .mobileconfig (the CA and the server name, PEAP and TTLS) for Macs, iPhones and iPads") { config, dataDir, ssid, output, ttlsPap };
        profile.SetAction(parse => Run(parse, config, dataDir, (settings, certs) =>
        {
            var options = new AppleWifiProfileOptions(parse.GetValue(ssid) ?? settings.Radius.Ssid, settings.Radius.ServerName, certs.Authority,
                "School Wi-Fi", TtlsInner: parse.GetValue(ttlsPap) ? TtlsInnerAuthentication.PAP : TtlsInnerAuthentication.MSCHAPv2);
            var file = parse.GetValue(output)!;
            File.WriteAllBytes(file.FullName, AppleWifiProfile.Create(options));
            Console.WriteLine($"wrote {file.FullName} ({AppleWifiProfile.ContentType})");
            return ExitCodes.Ok;
        }));

        radius.Subcommands.Add(certificate);
        radius.Subcommands.Add(instructions);
        radius.Subcommands.Add(profile);
        return radius;
    }

    private static int Run(ParseResult parse, Option<FileInfo?> config, Option<string?> dataDir, Func<ApplianceSettings, RadiusCertificates, int> action)
    {
        try
        {
            var file = parse.GetValue(config);
            var settings = SettingsBuilder.Build(file is null ? null : ConfigLoader.Load(file.FullName), file?.FullName ?? "local default",
                new CliOverrides { DataDir = parse.GetValue(dataDir) });
            using var certificates = RadiusCertificateStore.LoadOrCreate(settings.DataDir, settings.Radius.Certificate, TimeProvider.System);
            return action(settings, certificates);
        }
        catch (Exception ex) when (ex is ConfigException or RadiusCertificateException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"appliance: {ex.Message}");
            return ex is ConfigException ? ExitCodes.BadUsage : ExitCodes.RuntimeFailure;
        }
    }
}
