using System.Text.Json;
using Appliance.IntegrationTests.Peers;
using Appliance.TestSupport;

namespace Appliance.IntegrationTests.Dns;

/// <summary>A blocked self-harm site reaches the DSL's mailbox, through the real appliance and a real SMTP server, rate-limited.</summary>
public sealed class AlertTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alerts-it-").FullName;
    private SmtpSink _sink = null!;
    private ApplianceProcess _appliance = null!;

    public async Task InitializeAsync()
    {
        _sink = new SmtpSink();
        await File.WriteAllTextAsync(Path.Combine(_dir, "self-harm.txt"), "harm.test\n");
        await File.WriteAllTextAsync(Path.Combine(_dir, "gambling.txt"), "casino.test\n");
        var config = Path.Combine(_dir, "config.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            filtering = new { lists = new[] { new { source = Path.Combine(_dir, "self-harm.txt"), category = "self-harm" }, new { source = Path.Combine(_dir, "gambling.txt"), category = "gambling" } } },
            alerts = new
            {
                maxPerDevicePerHour = 2,
                email = new { smtp = $"127.0.0.1:{_sink.Port}", security = "none", from = "gateway@school.test", to = new[] { "dsl@school.test" }, school = "Hillside Primary" },
            },
        }));
        _appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", "127.0.0.1:9"]);
    }

    public async Task DisposeAsync()
    {
        _appliance.Dispose();
        await _sink.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_blocked_self_harm_site_is_e_mailed_to_the_DSL_and_repeats_are_held_back()
    {
        for (var i = 0; i < 5; i++)
        {
            await _appliance.DigAsync("harm.test");
        }

        await _appliance.DigAsync("casino.test");   // blocked, but no rule for gambling
        await Eventually.True(() => _sink.Messages.Count > 0, TimeSpan.FromSeconds(30), () => _appliance.Output);
        await Task.Delay(TimeSpan.FromSeconds(3));   // nothing more should come

        // Two alerts (the limit), in one message or two depending on when the mail loop looked.
        var mail = string.Join("\n", _sink.Messages).Replace("\r\n ", " ", StringComparison.Ordinal);
        Assert.All(_sink.Messages, m => Assert.Contains("safeguarding alert", m, StringComparison.Ordinal));
        Assert.Contains("Subject: [Hillside Primary] ", mail, StringComparison.Ordinal);
        Assert.Contains(", HIGH: self-harm", mail, StringComparison.Ordinal);
        Assert.Equal(2, mail.Split("what:  harm.test (self-harm), blocked").Length - 1);
        Assert.DoesNotContain("casino", mail, StringComparison.Ordinal);
        var alerts = (await _appliance.HealthAsync()).GetProperty("alerts");
        Assert.Equal((2, 3), (alerts.GetProperty("raised").GetInt64(), alerts.GetProperty("suppressed").GetInt64()));
        Assert.Equal(JsonValueKind.Null, alerts.GetProperty("emailProblem").ValueKind);
    }
}
