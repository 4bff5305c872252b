using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Fleet.Outbox;
using Appliance.IntegrationTests.Peers;
using Appliance.TestSupport;

namespace Appliance.IntegrationTests.Fleet;

/// <summary>The panic button end to end: the simulated panel, the real appliance, a real Mosquitto, the LA's ingest and CLI.</summary>
public sealed partial class FleetLinkTests
{
    private static async Task PressAsync(ApplianceProcess appliance, int ms)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var response = await http.PostAsync(new Uri($"http://127.0.0.1:{appliance.WebPort}/api/panel/press?ms={ms}"), null);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
    }

    private static async Task<JsonElement> PanelAsync(ApplianceProcess appliance)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{appliance.WebPort}/api/panel");
    }

    // The raise comes 1.5 s into a press; a press starting within 10 s of it could only cancel it.
    private static async Task PastCancelWindowAsync(DateTime pressed)
    {
        var rest = pressed + TimeSpan.FromSeconds(12.5) - DateTime.UtcNow;
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest);
        }
    }

    private static string Panic(ApplianceProcess appliance) => PanelAsync(appliance).GetAwaiter().GetResult().GetProperty("panic").GetString()!;

    private List<JsonElement> IncidentRecords(long epoch)
        => [.. _store.Records(Box, Streams.Incident, epoch).Select(r => JsonDocument.Parse(r.Record).RootElement)];

    private bool HasIncident(long epoch, long id, string change)
        => IncidentRecords(epoch).Any(r => r.GetProperty("incidentId").GetInt64() == id && r.GetProperty("change").GetString() == change);

    private Task<Processes.Result> IncidentCli(params string[] args)
        => Processes.RunAsync(ApplianceProcess.Executable, ["incident", .. args, "--config", _config, "--data-dir", _dataDir], TimeSpan.FromSeconds(30));

    [Fact]
    public async Task A_press_reaches_the_LA_with_sealed_evidence_the_LAs_acknowledgement_turns_the_LED_steady_and_nothing_is_lost_while_the_broker_is_down()
    {
        using var appliance = await StartApplianceAsync();
        var epoch = (await appliance.HealthAsync()).GetProperty("fleet").GetProperty("epoch").GetInt64();
        Assert.Equal("none", Panic(appliance));
        Assert.Contains("0.0.0.0", (await appliance.DigAsync("pupil-was-here.blocked.test")).Stdout, StringComparison.Ordinal);
        await Eventually.True(() => appliance.CounterAsync("queries").GetAwaiter().GetResult() >= 1
            && appliance.HealthAsync().GetAwaiter().GetResult().GetProperty("eventsDrained").GetInt64() >= 1, TimeSpan.FromSeconds(10), () => "not drained");
        await Task.Delay(1_500);   // the drain commits to the journal once a second

        // (Presses count only after the start-up quiet time: the panel says when.)
        await Eventually.True(() => PanelAsync(appliance).GetAwaiter().GetResult().GetProperty("buttonLive").GetBoolean(), TimeSpan.FromSeconds(10), () => "button not live");

        // Hold 1.7 s: incident #1, its evidence sealed, at the LA with the digest; delivered, so the LEDs blink "raised".
        var pressed = DateTime.UtcNow;
        await PressAsync(appliance, 1_700);
        await Eventually.True(() => HasIncident(epoch, 1, "raised") && HasIncident(epoch, 1, "evidence"), TimeSpan.FromSeconds(30), () => appliance.Output);
        var raised = IncidentRecords(epoch).First(r => r.GetProperty("incidentId").GetInt64() == 1);
        Assert.Equal(("raised", "Room 4", "panel-4", false),
            (raised.GetProperty("change").GetString(), raised.GetProperty("room").GetString(), raised.GetProperty("panel").GetString(), raised.GetProperty("test").GetBoolean()));
        var sha = IncidentRecords(epoch).First(r => r.GetProperty("change").GetString() == "evidence").GetProperty("evidenceSha256").GetString()!;
        var evidenceFile = Path.Combine(_dataDir, "evidence", "incident-1.json");
        Assert.Equal(sha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(evidenceFile))));
        Assert.Contains("pupil-was-here.blocked.test", await File.ReadAllTextAsync(evidenceFile), StringComparison.Ordinal);

        // The packets of those minutes (the DNS query above, captured on lo) beside it, their digest inside the bundle.
        var capture = JsonDocument.Parse(await File.ReadAllTextAsync(evidenceFile)).RootElement.GetProperty("capture");
        var pcap = Path.Combine(_dataDir, "evidence", capture.GetProperty("file").GetString()!);
        Assert.Equal("incident-1.pcap", Path.GetFileName(pcap));
        Assert.Equal(capture.GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(pcap))));
        Assert.True(capture.GetProperty("packets").GetInt32() >= 2, capture.ToString());   // the query and its answer
        Assert.Contains("pupil-was-here", System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(pcap)), StringComparison.Ordinal);   // the question's label
        var audit = await Processes.RunAsync(ApplianceProcess.Executable, ["audit", "show", "--data-dir", _dataDir], TimeSpan.FromSeconds(30));
        Assert.Contains($" system incident.evidence incident 1 {{\"sha256\":\"{sha}\"", audit.Stdout, StringComparison.Ordinal);
        await Eventually.True(() => PanelAsync(appliance).GetAwaiter().GetResult().GetProperty("incident").TryGetProperty("deliveredAt", out _), TimeSpan.FromSeconds(30),
            () => "not delivered");
        Assert.Equal("raised", Panic(appliance));

        // The LA's DSL acknowledges: red and the ring go steady; the LA sees the change and its own name on it.
        var ack = await LaFleet(Ops("incidents", "ack", "1"));
        Assert.True(ack.ExitCode == 0, ack.All);
        Assert.Contains("\"acknowledged\":1,\"changed\":true", ack.Stdout, StringComparison.Ordinal);
        await Eventually.True(() => Panic(appliance) == "acknowledged", TimeSpan.FromSeconds(10), () => "LED not acknowledged");
        var leds = (await PanelAsync(appliance)).GetProperty("leds");
        Assert.True(leds.GetProperty("red").GetBoolean() && leds.GetProperty("ring").GetBoolean());
        await Eventually.True(() => HasIncident(epoch, 1, "acknowledged"), TimeSpan.FromSeconds(30), () => "ack not at the LA");
        var listed = await LaFleet("incidents", "list", "--db", Path.Combine(_dir, "la.db"));
        Assert.Contains("INCIDENT #1 acknowledged (la:LA1) in Room 4 (panel-4) raised by panel panel-4", listed.Stdout, StringComparison.Ordinal);
        Assert.Contains($"INCIDENT #1 evidence in Room 4 (panel-4) raised by panel panel-4, evidence {sha}", listed.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await IncidentCli("close", "1", "--by", "dsl:jones")).ExitCode);

        // The broker hangs: the raise is on disk, the panel says "not delivered" after the 5 s grace; when the broker is
        // back, the raise reaches the LA and the panel goes back to "raised".
        // (A press within 10 s of a raise could only cancel it: that is waited out, as a teacher's next incident would be.)
        await PastCancelWindowAsync(pressed);
        _broker.Pause();
        try
        {
            pressed = DateTime.UtcNow;
            await PressAsync(appliance, 1_700);
            await Eventually.True(() => Panic(appliance) == "notdelivered", TimeSpan.FromSeconds(20), () => Panic(appliance));
            // Amber joins red in the 2 Hz blink (it is dark in "raised"): seen lit within a couple of blinks.
            await Eventually.True(() => PanelAsync(appliance).GetAwaiter().GetResult().GetProperty("leds").GetProperty("amber").GetBoolean(),
                TimeSpan.FromSeconds(3), () => "amber never lit");
        }
        finally
        {
            _broker.Resume();
        }

        await Eventually.True(() => HasIncident(epoch, 2, "raised"), TimeSpan.FromSeconds(90), () => appliance.Output);
        // (Delivered once the LA's ack reaches the box, which may still be in its reconnect backoff after the hang.)
        await Eventually.True(() => Panic(appliance) == "raised", TimeSpan.FromSeconds(90), () => $"{Panic(appliance)}; LA progress "
            + string.Join("; ", _store.Progress()) + "; box " + appliance.HealthAsync().GetAwaiter().GetResult().GetProperty("fleet") + "\n" + appliance.Output);
        Assert.Equal(0, (await IncidentCli("close", "2", "--by", "dsl:jones")).ExitCode);

        // The weekly test: raised and then cancelled at the panel (hold 3 s within 10 s); both reach the LA marked TEST.
        await PastCancelWindowAsync(pressed);
        var test = await IncidentCli("test", "--minutes", "5", "--by", "tech:smith");
        Assert.True(test.ExitCode == 0, test.All);
        await PressAsync(appliance, 1_700);
        await Eventually.True(() => PanelAsync(appliance).GetAwaiter().GetResult().TryGetProperty("incident", out var i) && i.GetProperty("id").GetInt64() == 3,
            TimeSpan.FromSeconds(10), () => "no incident 3");
        await Task.Delay(300);   // a finger is off the button for longer than the 30 ms debounce (sooner, the presses merge)
        await PressAsync(appliance, 3_300);
        await Eventually.True(() => HasIncident(epoch, 3, "cancelled"), TimeSpan.FromSeconds(30), () => string.Join("\n", IncidentRecords(epoch)));
        Assert.All(IncidentRecords(epoch).Where(r => r.GetProperty("incidentId").GetInt64() == 3), r => Assert.True(r.GetProperty("test").GetBoolean()));
        var list = await IncidentCli("list");
        Assert.Contains("#3 ", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("cancelled (TEST) panel-4 'Room 4'", list.Stdout, StringComparison.Ordinal);
    }
}
