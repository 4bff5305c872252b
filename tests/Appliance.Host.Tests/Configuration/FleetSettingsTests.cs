using Appliance.Host.Configuration;

namespace Appliance.Host.Tests.Configuration;

public sealed class FleetSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ApplianceSettings Build(string fleetJson)
        => SettingsBuilder.Build(ConfigLoader.Parse($$"""{ "dns": { "upstreams": [ { "address": "192.0.2.1:53" } ] }, "fleet": {{fleetJson}} }""", "school.json"),
            "school.json", new CliOverrides());

    [Fact]
    public void A_complete_fleet_section_gives_the_link_its_topics_credentials_and_key()
    {
        File.WriteAllText(Path.Combine(_dir, "pw"), "s3cret\n");
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path.Combine(_dir, "la.pub"), key.ExportSubjectPublicKeyInfoPem());
        var fleet = Build($$"""
            { "broker": "broker.la.example:8883", "la": "LA1", "school": "SCH1", "applianceId": "apl-0001",
              "passwordFile": "{{_dir}}/pw", "commandKeyFile": "{{_dir}}/la.pub", "outboxBudgetMb": 64, "sendQueries": false }
            """).Fleet!;

        Assert.Equal(("broker.la.example", 8883, "s3cret", true), (fleet.Link.Host, fleet.Link.Port, fleet.Link.Password, fleet.Link.UseTls));
        Assert.Equal("la/LA1/sch/SCH1/apl/apl-0001", fleet.Link.Topics.Prefix);
        Assert.Equal(64L << 20, fleet.Outbox.BudgetBytes);
        Assert.False(fleet.SendQueries);
        Assert.NotNull(fleet.CommandKeyPem);
    }

    [Fact]
    public void Without_a_fleet_section_there_is_no_link()
        => Assert.Null(SettingsBuilder.Build(null, "local default", new CliOverrides { Upstreams = ["192.0.2.1:53"] }).Fleet);

    [Fact]
    public void Every_problem_in_the_fleet_section_is_named()
    {
        File.WriteAllText(Path.Combine(_dir, "not-a-key.pem"), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        var ex = Assert.Throws<ConfigException>(() => Build($$"""
            { "broker": "broker.la.example", "la": "LA/1", "school": "SCH1", "applianceId": "apl+1",
              "certFile": "{{_dir}}/not-a-key.pem", "commandKeyFile": "{{_dir}}/not-a-key.pem", "outboxBudgetMb": 1 }
            """));

        Assert.Contains("school.json: fleet.broker: 'broker.la.example' is not HOST:PORT", ex.Message, StringComparison.Ordinal);
        Assert.Contains("school.json: fleet.la: la id 'LA/1' must be 1–64 letters, digits", ex.Message, StringComparison.Ordinal);
        Assert.Contains("school.json: fleet.certFile: and fleet.keyFile go together", ex.Message, StringComparison.Ordinal);
        Assert.Contains("school.json: fleet.commandKeyFile: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("is not a PEM ECDSA public key", ex.Message, StringComparison.Ordinal);
        Assert.Contains("school.json: fleet.outboxBudgetMb: is 1; it must be from 16", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_LAs_private_key_is_refused_as_a_command_key()
    {
        File.WriteAllText(Path.Combine(_dir, "pw"), "x");
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path.Combine(_dir, "la.key"), key.ExportPkcs8PrivateKeyPem());
        var ex = Assert.Throws<ConfigException>(() => Build($$"""
            { "broker": "b:8883", "la": "LA1", "school": "S", "applianceId": "a", "passwordFile": "{{_dir}}/pw", "commandKeyFile": "{{_dir}}/la.key" }
            """));
        Assert.Contains("holds a private key; a box needs only the LA's public key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broker_needs_a_password_or_a_certificate()
    {
        var ex = Assert.Throws<ConfigException>(() => Build("""{ "broker": "b:8883", "la": "LA1", "school": "S", "applianceId": "a" }"""));
        Assert.Contains("fleet.passwordFile: is missing; the broker needs a password or a client certificate", ex.Message, StringComparison.Ordinal);
    }
}
