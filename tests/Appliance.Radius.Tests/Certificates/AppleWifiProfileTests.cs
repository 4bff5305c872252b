using System.Text.Json;
using Appliance.Radius.Certificates;
using Appliance.TestSupport;

namespace Appliance.Radius.Tests.Certificates;

/// <summary>The .mobileconfig read back by independent plist parsers: libplist's plistutil and Python's plistlib.</summary>
public sealed class AppleWifiProfileTests : IDisposable
{
    private readonly TestDirectory _data = new();
    private readonly RadiusCertificates _certificates;

    public AppleWifiProfileTests() =>
        _certificates = RadiusCertificateStore.LoadOrCreate(_data.Path, new RadiusCertificateOptions(TestCertificates.ServerName), TimeProvider.System);

    public void Dispose()
    {
        _certificates.Dispose();
        _data.Dispose();
    }

    private AppleWifiProfileOptions Options(string ssid = "School-Staff", bool wpa3 = false) =>
        new(ssid, TestCertificates.ServerName, _certificates.Authority, "Hillside Primary", wpa3, TtlsInnerAuthentication.PAP);

    [Fact]
    public void Create_ParsedByPlistlib_AnchorsTrustToTheRootPayloadsUuid()
    {
        using var parsed = Plistlib(AppleWifiProfile.Create(Options()));
        var profile = parsed.RootElement;
        Assert.Equal("Configuration", profile.GetProperty("PayloadType").GetString());
        var payloads = profile.GetProperty("PayloadContent").EnumerateArray().ToList();
        var root = Assert.Single(payloads, p => p.GetProperty("PayloadType").GetString() == "com.apple.security.root");
        var wifi = Assert.Single(payloads, p => p.GetProperty("PayloadType").GetString() == "com.apple.wifi.managed");

        Assert.Equal(Convert.ToBase64String(_certificates.Authority!.RawData), root.GetProperty("PayloadContent").GetString());
        Assert.Equal("School-Staff", wifi.GetProperty("SSID_STR").GetString());
        Assert.Equal("WPA2", wifi.GetProperty("EncryptionType").GetString());
        var eap = wifi.GetProperty("EAPClientConfiguration");
        Assert.Equal([25, 21], eap.GetProperty("AcceptEAPTypes").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("PAP", eap.GetProperty("TTLSInnerAuthentication").GetString());
        Assert.Equal(TestCertificates.ServerName, Assert.Single(eap.GetProperty("TLSTrustedServerNames").EnumerateArray()).GetString());
        Assert.Equal(root.GetProperty("PayloadUUID").GetString(), Assert.Single(eap.GetProperty("PayloadCertificateAnchorUUID").EnumerateArray()).GetString());
        var uuids = payloads.Append(profile).Select(p => p.GetProperty("PayloadUUID").GetString()).ToList();
        Assert.Equal(3, uuids.Distinct().Count());
        Assert.All(uuids, u => Assert.True(Guid.TryParse(u, out _), u));
    }

    [Fact]
    public void Create_ParsedByPlistutil_IsAValidPlist()
    {
        File.WriteAllBytes(_data.File("wifi.mobileconfig"), AppleWifiProfile.Create(Options(wpa3: true)));
        var (exit, output) = NetworkNamespace.TryRun("plistutil", "-i", _data.File("wifi.mobileconfig"), "-o", _data.File("wifi.bplist"), "-f", "bin");
        Assert.True(exit == 0, output);
        Assert.StartsWith("bplist00", File.ReadAllText(_data.File("wifi.bplist")), StringComparison.Ordinal);
        Assert.Contains("<string>WPA3</string>", File.ReadAllText(_data.File("wifi.mobileconfig")), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TwiceForTheSameCaAndSsid_GivesTheSameUuidsSoADownloadReplacesTheProfile()
    {
        Assert.Equal(AppleWifiProfile.Create(Options()), AppleWifiProfile.Create(Options()));
        var staff = File.ReadAllText(WriteTemp(AppleWifiProfile.Create(Options("School-Staff"))));
        var guests = File.ReadAllText(WriteTemp(AppleWifiProfile.Create(Options("School-Guests"))));
        var uuid = AppleWifiProfile.StableUuid(_certificates.Authority!.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256), "School-Staff", "profile");
        Assert.Contains(uuid, staff, StringComparison.Ordinal);
        Assert.DoesNotContain(uuid, guests, StringComparison.Ordinal);
        Assert.Equal('8', uuid[14]);   // RFC 9562 version 8
    }

    private string WriteTemp(byte[] content)
    {
        var path = _data.File($"{Guid.NewGuid():N}.mobileconfig");
        File.WriteAllBytes(path, content);
        return path;
    }

    // plistlib turns <data> into bytes; they are printed as base64 so the JSON can be compared with the DER.
    private JsonDocument Plistlib(byte[] profile)
    {
        File.WriteAllBytes(_data.File("p.mobileconfig"), profile);
        const string Script = """
            import base64, json, plistlib, sys
            def plain(v):
                if isinstance(v, bytes): return base64.b64encode(v).decode()
                if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
                if isinstance(v, list): return [plain(x) for x in v]
                return v
            with open(sys.argv[1], 'rb') as f: print(json.dumps(plain(plistlib.load(f))))
            """;
        var (exit, output) = NetworkNamespace.TryRun("python3", "-c", Script, _data.File("p.mobileconfig"));
        Assert.True(exit == 0, output);
        return JsonDocument.Parse(output);
    }
}
