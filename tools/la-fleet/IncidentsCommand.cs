using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LaFleet.Ingest;

namespace LaFleet;

/// <summary>
/// <c>la-fleet incidents list|ack</c>: what the boxes raised (panic-button incidents and DSL alerts, as stored by
/// the ingest), and the LA's acknowledgement sent back to the box as a signed command.
/// </summary>
internal static class IncidentsCommand
{
    public static Command Create(Option<string> database, Option<string?> postgres, Func<ParseResult, IIngestStore> open)
    {
        var incidents = new Command("incidents", "List incidents and alerts from every box; acknowledge one");
        incidents.Subcommands.Add(List(database, postgres, open));
        incidents.Subcommands.Add(OpsCommands.Ack());
        return incidents;
    }

    private static Command List(Option<string> database, Option<string?> postgres, Func<ParseResult, IIngestStore> open)
    {
        var alerts = new Option<bool>("--alerts") { Description = "DSL alerts instead of panic-button incidents" };
        var limit = new Option<int>("--limit") { Description = "How many, newest first", DefaultValueFactory = _ => 50 };
        var command = new Command("list", "The newest incidents (or alerts) from every box") { database, postgres, alerts, limit };
        command.SetAction(parse =>
        {
            using var store = open(parse);
            var stream = parse.GetValue(alerts) ? "alert" : "incident";
            var rows = store.Latest(stream, Math.Max(1, parse.GetValue(limit)));
            Console.WriteLine("time (UTC)           school     appliance        seq     what");
            foreach (var r in rows)
            {
                var at = r.Ts is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{at,-20} {r.School,-10} {r.Appliance,-16} {r.Seq,-7} {Summary(r.Body)}"));
            }

            if (rows.Count == 0)
            {
                Console.WriteLine($"(no {stream}s stored)");
            }

            return 0;
        });
        return command;
    }

    // An alert as "HIGH self-harm anon-… (pupils): name #12"; an incident as "TEST INCIDENT #3 raised in Room 4 (panel-4)
    // by panel panel-4, evidence 1f2e…"; anything else as its JSON.
    private static string Summary(string body)
    {
        using var document = JsonDocument.Parse(body);
        var r = document.RootElement;
        if (r.ValueKind != JsonValueKind.Object)
        {
            return body;
        }

        if (r.TryGetProperty("rule", out var rule))
        {
            return $"{Text(r, "severity").ToUpperInvariant()} {rule.GetString()} {Text(r, "client")} ({Text(r, "group")}): {Text(r, "name")} #{Text(r, "alertId")}";
        }

        if (r.TryGetProperty("incidentId", out var id))
        {
            var test = r.TryGetProperty("test", out var t) && t.ValueKind == JsonValueKind.True ? "TEST " : "";
            var evidence = r.TryGetProperty("evidenceSha256", out var sha) ? $", evidence {sha}" : "";
            var by = r.TryGetProperty("by", out var who) ? $" ({who})" : "";
            return $"{test}INCIDENT #{id} {Text(r, "change")}{by} in {Text(r, "room")} ({Text(r, "panel")}) raised by {Text(r, "raisedBy")}{evidence}";
        }

        return body;
    }

    private static string Text(JsonElement r, string name) => r.TryGetProperty(name, out var v) ? v.ToString() : "";
}
