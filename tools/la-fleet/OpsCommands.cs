using System.CommandLine;
using System.Security.Cryptography;
using LaFleet.Ops;

namespace LaFleet;

/// <summary><c>la-fleet keygen|cmd|push</c>: the LA's signing key, signed commands and signed desired state.</summary>
internal static class OpsCommands
{
    private static readonly Option<FileInfo> Key = new("--key") { Description = "The LA's command signing key (PEM, from keygen)", Required = true };
    private static readonly Option<string> KeyId = new("--key-id") { Description = "Its name, carried in every envelope", DefaultValueFactory = _ => "la-command-key" };
    private static readonly Option<string> School = new("--school") { Description = "The box's school", Required = true };
    private static readonly Option<string> Appliance = new("--appliance") { Description = "The box's id", Required = true };

    public static Command Keygen()
    {
        var output = new Option<string>("--out") { Description = "Writes OUT.key (private, keep it safe) and OUT.pub (for the boxes' fleet.commandKeyFile)", Required = true };
        var command = new Command("keygen", "Create the LA's ECDSA P-256 command signing key") { output };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(output)!;
            if (File.Exists(path + ".key"))
            {
                throw new ArgumentException($"{path}.key exists; refusing to overwrite a signing key");
            }

            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;   // created private, never readable by others
            }

            using (var writer = new StreamWriter(path + ".key", options))
            {
                writer.Write(key.ExportPkcs8PrivateKeyPem());
            }

            File.WriteAllText(path + ".pub", key.ExportSubjectPublicKeyInfoPem());
            Console.WriteLine($"{path}.key (private) and {path}.pub (public) written");
            return 0;
        });
        return command;
    }

    public static Command Cmd()
    {
        var broker = new BrokerOptions();
        var name = new Argument<string>("name") { Description = "status, resend, lists.refresh, audit.verify" };
        var args = new Option<string>("--args") { Description = "Arguments as a JSON object", DefaultValueFactory = _ => "{}" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the reply (also the command's expiry)", DefaultValueFactory = _ => 30 };
        var command = new Command("cmd", "Send a signed command to one box and print its reply") { name, args, timeout, Key, KeyId, School, Appliance };
        broker.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var ops = await ConnectAsync(parse, broker, cancellationToken);
            try
            {
                var reply = await ops.CommandAsync(parse.GetValue(School)!, parse.GetValue(Appliance)!, parse.GetValue(name)!, parse.GetValue(args)!,
                    TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))), cancellationToken);
                Console.WriteLine(reply);
                return reply.Contains("\"ok\":true", StringComparison.Ordinal) ? 0 : 1;
            }
            catch (TimeoutException)
            {
                await Console.Error.WriteLineAsync("la-fleet: no reply in time (the box is offline, or the command expired before it came back)");
                return 1;
            }
        });
        return command;
    }

    public static Command Push()
    {
        var broker = new BrokerOptions();
        var version = new Option<long>("--version") { Description = "The desired-state version (higher than the last one pushed)", Required = true };
        var policy = new Option<FileInfo?>("--policy") { Description = "A policy document (JSON) to set" };
        var lists = new Option<FileInfo?>("--lists")
        {
            Description = "Lists to point the box at (JSON array of {source, category, sha256 | signatureUrl}; signatures made with the command key)",
        };
        var config = new Option<FileInfo?>("--config")
        {
            Description = "Settings the LA runs for the box (JSON object over its own file: dns.upstreams, journal, alerts…; the JSON null drops them); the box restarts its services to take them",
        };
        var reason = new Option<string>("--reason") { Description = "Why (kept in the box's audit log)", Required = true };
        var command = new Command("push", "Publish signed desired state to one box (retained; applied when it connects)") { version, policy, lists, config, reason, Key, KeyId, School, Appliance };
        broker.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var parts = new List<string>();
            if (parse.GetValue(policy) is { } policyFile)
            {
                parts.Add($"\"policy\":{File.ReadAllText(policyFile.FullName)}");
            }

            if (parse.GetValue(lists) is { } listsFile)
            {
                parts.Add($"\"lists\":{File.ReadAllText(listsFile.FullName)}");
            }

            if (parse.GetValue(config) is { } configFile)
            {
                parts.Add($"\"config\":{File.ReadAllText(configFile.FullName)}");
            }

            var doc = parts.Count > 0 ? "{" + string.Join(",", parts) + "}" : throw new ArgumentException("give what to set: --policy, --lists and/or --config");
            await using var ops = await ConnectAsync(parse, broker, cancellationToken);
            await ops.PushDesiredAsync(parse.GetValue(School)!, parse.GetValue(Appliance)!, parse.GetValue(version), doc, parse.GetValue(reason)!, cancellationToken);
            Console.WriteLine($"desired state v{parse.GetValue(version)} published; the box reports on up/state");
            return 0;
        });
        return command;
    }

    public static Command Ack()
    {
        var broker = new BrokerOptions();
        var id = new Argument<string>("id") { Description = "The incident's (or alert's) id on the box" };
        var command = new Command("ack", "Acknowledge an incident to its box (signed command incident.ack; recorded in the box's audit log)")
        {
            id, Key, KeyId, School, Appliance,
        };
        broker.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var ops = await ConnectAsync(parse, broker, cancellationToken);
            var reply = await ops.CommandAsync(parse.GetValue(School)!, parse.GetValue(Appliance)!, "incident.ack",
                $$"""{"id":{{System.Text.Json.JsonSerializer.Serialize(parse.GetValue(id)!, LaFleetJson.Default.String)}}}""",
                TimeSpan.FromSeconds(30), cancellationToken);
            Console.WriteLine(reply);
            return reply.Contains("\"ok\":true", StringComparison.Ordinal) ? 0 : 1;
        });
        return command;
    }

    private static async Task<FleetOps> ConnectAsync(ParseResult parse, BrokerOptions broker, CancellationToken cancellationToken)
    {
        var (host, port) = broker.Endpoint(parse);
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(parse.GetValue(Key)!.FullName));
        var user = parse.GetValue(broker.User)!;
        var options = global::Appliance.Fleet.Mqtt.BrokerConnection.Options(host, port, user, user, broker.Password(parse), TimeSpan.Zero, TimeSpan.FromSeconds(30),
            !parse.GetValue(broker.NoTls), parse.GetValue(broker.Ca), parse.GetValue(broker.Cert), parse.GetValue(broker.Key)).Build();
        return await FleetOps.ConnectAsync(options, parse.GetValue(broker.La)!, key, parse.GetValue(KeyId)!, TimeProvider.System, cancellationToken);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class LaFleetJson : System.Text.Json.Serialization.JsonSerializerContext;
