using Appliance.Host.Configuration;

namespace Appliance.Host.Tests.Configuration;

public sealed class WebSettingsTests
{
    private static readonly CliOverrides Cli = new() { Upstreams = ["192.0.2.1:53"] };

    [Fact]
    public void Https_is_off_unless_configured_and_then_takes_the_files_or_the_boxs_own_certificate_with_radius()
    {
        Assert.Null(SettingsBuilder.Build(null, "local default", Cli).WebHttps);
        var file = Path.GetTempFileName();
        try
        {
            var https = SettingsBuilder.Build(ConfigLoader.Parse($$"""
                { "web": { "https": { "listen": "0.0.0.0:443", "certificateFile": "{{file}}", "keyFile": "{{file}}" } } }
                """, "school.json"), "school.json", Cli).WebHttps!;
            Assert.Equal(("0.0.0.0:443", file, file), (https.Listen.ToString(), https.CertificateFile, https.KeyFile));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Every_problem_in_the_https_section_is_named()
    {
        var ex = Assert.Throws<ConfigException>(() => SettingsBuilder.Build(ConfigLoader.Parse("""
            { "web": { "https": { "listen": "0.0.0.0:443" } } }
            """, "school.json"), "school.json", Cli));
        Assert.Contains("school.json: web.https.certificateFile: is missing: give the certificate and key files, or turn RADIUS on so the box's own certificate is used",
            ex.Message.Split(Environment.NewLine));

        ex = Assert.Throws<ConfigException>(() => SettingsBuilder.Build(ConfigLoader.Parse("""
            { "web": { "https": { "listen": "port 443", "certificateFile": "/nonexistent/web.pem" } } }
            """, "school.json"), "school.json", Cli));
        Assert.Contains(ex.Message.Split(Environment.NewLine), l => l.StartsWith("school.json: web.https.listen: ", StringComparison.Ordinal));
    }
}
