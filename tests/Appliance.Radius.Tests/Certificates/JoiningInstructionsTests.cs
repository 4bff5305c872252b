using Appliance.Radius.Certificates;

namespace Appliance.Radius.Tests.Certificates;

public sealed class JoiningInstructionsTests : IDisposable
{
    private readonly TestDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public void For_GeneratedCertificate_TellsEachPlatformWhatToCheckAndSet()
    {
        using var certificates = RadiusCertificateStore.LoadOrCreate(_data.Path, new RadiusCertificateOptions(TestCertificates.ServerName), TimeProvider.System);
        var trust = certificates.TrustInfo;
        var instructions = JoiningInstructions.For(trust, "School-Staff");

        Assert.Equal([ClientPlatform.Windows, ClientPlatform.Apple, ClientPlatform.Android, ClientPlatform.ChromeOS], instructions.Select(i => i.Platform));
        var windows = string.Join("\n", instructions[0].Steps.Concat(instructions[0].Notes));
        Assert.Contains(trust.Server.Sha1Fingerprint, windows, StringComparison.Ordinal);       // the thumbprint Windows shows
        Assert.Contains(trust.Authority!.Sha1Fingerprint, windows, StringComparison.Ordinal);   // the root thumbprint for profiles
        var android = string.Join("\n", instructions[2].Steps);
        Assert.Contains("PEAP", android, StringComparison.Ordinal);
        Assert.Contains("MSCHAPV2", android, StringComparison.Ordinal);
        Assert.Contains($"Domain: {TestCertificates.ServerName}", android, StringComparison.Ordinal);
        Assert.Contains("Trust on first use", android, StringComparison.Ordinal);

        var markdown = JoiningInstructions.ToMarkdown(trust, "School-Staff", instructions);
        Assert.StartsWith("# Joining \"School-Staff\"", markdown, StringComparison.Ordinal);
        Assert.Contains("## Windows 10 and 11\n\n1. ", markdown, StringComparison.Ordinal);
        Assert.Contains(trust.Server.Sha256Fingerprint, markdown, StringComparison.Ordinal);
    }
}
