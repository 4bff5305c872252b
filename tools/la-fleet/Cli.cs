using System.CommandLine;
using System.Globalization;
using LaFleet.Ingest;
using Microsoft.Extensions.Logging;

namespace LaFleet;

/// <summary>
/// <c>la-fleet ingest|status|register</c>. Exit codes as the appliance's: 0 ok, 1 failure at run time, 2 bad usage
/// or configuration.
/// </summary>
public static class Cli
{
    public static async Task<int> InvokeAsync(string[] args)
    {
        var root = new RootCommand("The Local Authority's side of the school gateway fleet: ingest the boxes' logs, see their status.");
        root.Subcommands.Add(IngestCommand());
        root.Subcommands.Add(StatusCommand());
        root.Subcommands.Add(RegisterCommand());
        root.Subcommands.Add(OpsCommands.Keygen());
        root.Subcommands.Add(OpsCommands.Cmd());
        root.Subcommands.Add(OpsCommands.Push());
        root.Subcommands.Add(IncidentsCommand.Create(Database, Postgres, OpenStore));
        var parse = root.Parse(args, new ParserConfiguration());
        // Errors reach the catch below, to be printed as one line with the right exit code.
        parse.InvocationConfiguration.EnableDefaultExceptionHandler = false;
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"la-fleet: {error.Message}");
            }

            return 2;
        }

        try
        {
            return await parse.InvokeAsync();
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"la-fleet: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"la-fleet: {ex.Message}");
            return 1;
        }
    }

    private static readonly Option<string> Database = new("--db") { Description = "The LA's database (SQLite file)", DefaultValueFactory = _ => "la-fleet.db", HelpName = "FILE" };

    private static readonly Option<string?> Postgres = new("--postgres")
    {
        Description = "Use PostgreSQL instead of --db (Npgsql connection string, e.g. \"Host=db;Username=la;Database=fleet\"; password from PGPASSWORD)",
        HelpName = "CONNECTION",
    };

    private static IIngestStore OpenStore(ParseResult parse) => parse.GetValue(Postgres) is { } connection
        ? new PostgresIngestStore(connection)
        : new SqliteIngestStore(parse.GetValue(Database)!);

    private static Command IngestCommand()
    {
        var broker = new BrokerOptions();
        var clientId = new Option<string>("--client-id") { Description = "This ingest instance's id (several share the work)", DefaultValueFactory = _ => "la-ingest-1" };
        var strict = new Option<bool>("--strict-registry") { Description = "Refuse boxes not in the registry (default: trust the first school seen)" };
        var command = new Command("ingest", "Store every box's log batches, alerts and incidents; acknowledge them end to end") { Database, Postgres, clientId, strict };
        broker.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (host, port) = broker.Endpoint(parse);
            using var store = OpenStore(parse);
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
            var options = new IngestOptions
            {
                Host = host,
                Port = port,
                La = parse.GetValue(broker.La)!,
                Username = parse.GetValue(broker.User)!,
                Password = broker.Password(parse),
                ClientId = parse.GetValue(clientId)!,
                UseTls = !parse.GetValue(broker.NoTls),
                CaFile = parse.GetValue(broker.Ca),
                CertFile = parse.GetValue(broker.Cert),
                KeyFile = parse.GetValue(broker.Key),
                StrictRegistry = parse.GetValue(strict),
            };
            await using var ingest = new IngestService(options, store, TimeProvider.System, loggers.CreateLogger("ingest"));
            await ingest.RunAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static Command StatusCommand()
    {
        var command = new Command("status", "Presence, version, outbox epoch and stored records of every box, with each stream's progress") { Database, Postgres };
        command.SetAction(parse =>
        {
            using var store = OpenStore(parse);
            var progress = store.Progress().ToLookup(p => p.Appliance);
            var backlog = store.Latest("health", 10_000).GroupBy(h => h.Appliance).ToDictionary(g => g.Key, g => Backlog(g.First()));
            Console.WriteLine("school     appliance        presence  version   last seen (UTC)       records  backlog at last health report");
            foreach (var s in store.Status())
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s.School,-10} {s.Appliance,-16} {s.Presence,-9} {s.Version ?? "-",-9} {s.Seen?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",-21} {s.Records,-8} {backlog.GetValueOrDefault(s.Appliance, "-")}"));
                if (Reported(s.Reported) is { } reported)
                {
                    Console.WriteLine($"           {reported}");
                }

                foreach (var p in progress[s.Appliance])
                {
                    var hole = p.Highest > p.Contiguous ? $"  (hole after {p.Contiguous}, highest {p.Highest})" : "";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"           {p.Stream,-8} epoch {p.Epoch}: stored to seq {p.Contiguous}{hole}"));
                }
            }

            return 0;
        });
        return command;
    }

    // "desired v21: applied" or "desired v22: NOT applied: config: dataDir: …" from the box's up/state document.
    private static string? Reported(string? state)
    {
        if (state is null)
        {
            return null;
        }

        using var document = System.Text.Json.JsonDocument.Parse(state);
        var root = document.RootElement;
        if (root.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            return "reported state is not an object";   // one odd box must not stop the status of the fleet
        }

        var version = root.TryGetProperty("desiredVersion", out var v) ? v.ToString() : "?";
        var errors = root.TryGetProperty("errors", out var e) && e.ValueKind == System.Text.Json.JsonValueKind.Array ? e.EnumerateArray().Select(x => x.ToString()).ToList() : [];
        return root.TryGetProperty("applied", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.True
            ? $"desired v{version}: applied"
            : $"desired v{version}: NOT applied: {string.Join("; ", errors)}";
    }

    // "1,204 records (2026-11-30 10:05)" from the fleet section of a box's health report.
    private static string Backlog(StoredRecord health)
    {
        using var document = System.Text.Json.JsonDocument.Parse(health.Body);
        if (!document.RootElement.TryGetProperty("report", out var report) || !report.TryGetProperty("fleet", out var fleet)
            || fleet.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            return "-";
        }

        var waiting = fleet.GetProperty("streams").EnumerateArray().Sum(s => s.GetProperty("pending").GetInt64() + s.GetProperty("unacknowledged").GetInt64());
        var at = health.Ts is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "?";
        return string.Create(CultureInfo.InvariantCulture, $"{waiting:N0} records ({at})");
    }

    private static Command RegisterCommand()
    {
        var appliance = new Argument<string>("appliance") { Description = "The box's id (its MQTT username)" };
        var school = new Argument<string>("school") { Description = "The school it belongs to" };
        var command = new Command("register", "Bind a box to its school: the ingest refuses it under any other school") { Database, Postgres, appliance, school };
        command.SetAction(parse =>
        {
            using var store = OpenStore(parse);
            store.Register(Appliance.Fleet.Mqtt.FleetTopics.Check(parse.GetValue(appliance)!, "appliance"), Appliance.Fleet.Mqtt.FleetTopics.Check(parse.GetValue(school)!, "school"));
            return 0;
        });
        return command;
    }
}
