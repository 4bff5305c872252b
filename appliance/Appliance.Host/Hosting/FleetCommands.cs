using System.Security.Cryptography;
using System.Text.Json;
using Appliance.Core.Policy;
using Appliance.Fleet.Downlink;
using Appliance.Fleet.Mqtt;
using Appliance.Fleet.Outbox;
using Appliance.Journal.Audit;
using Appliance.Policy;
using Appliance.Policy.Lists;

namespace Appliance.Host.Hosting;

/// <summary>
/// What the LA may ask of the box (each a signed command, run at most once, audited) and the parts of the desired
/// state it may set. Kept small on purpose: reading state, asking for data again, refreshing lists, and the
/// policy through the same change service (validation, history, audit) the technician's CLI uses.
/// </summary>
public static class FleetCommands
{
    public static FleetLink.FleetDownlink? Create(string? commandKeyPem, FleetTopics topics, OutboxStore outbox, AuditLog audit, PolicyChangeService policy,
        ListRefreshService lists, ListRefresher refresher, LaConfigPart config, Configuration.ApplianceSettings settings, Func<long, string, bool> acknowledge, Func<long> connects, TimeProvider time)
    {
        if (commandKeyPem is null)
        {
            return null;
        }

        var key = ECDsa.Create();
        key.ImportFromPem(commandKeyPem);
        var handlers = new Dictionary<string, CommandHandler>(StringComparer.Ordinal)
        {
            ["status"] = (_, _) => Task.FromResult(Status(outbox, policy, settings, connects())),
            ["resend"] = (args, _) => Task.FromResult(Resend(outbox, args)),
            ["lists.refresh"] = (_, _) =>
            {
                lists.Trigger();
                return Task.FromResult("""{"triggered":true}""");
            },
            ["audit.verify"] = (_, _) => Task.FromResult(Verify(audit)),
            ["incident.ack"] = (args, _) => Task.FromResult(AcknowledgeIncident(acknowledge, topics, args)),
        };
        var parts = new Dictionary<string, DesiredPart>(StringComparer.Ordinal)
        {
            ["policy"] = (value, actor, reason) => ApplyPolicy(policy, value, actor, reason),
            ["lists"] = (value, _, _) =>
            {
                var (parsed, errors) = LaLists.Parse(value, commandKeyPem);
                if (errors.Count == 0)
                {
                    LaLists.Save(settings.DataDir, value);
                    refresher.SetExtraSources(parsed);
                    lists.Trigger();   // fetched, checked and loaded now; their outcome shows in health.lists
                }

                return errors;
            },
            ["config"] = (value, _, _) => config.Apply(value),
        };
        var verifier = new DownlinkVerifier(topics, key, audit, time);
        return new FleetLink.FleetDownlink(new CommandProcessor(verifier, outbox, handlers), new DesiredStateProcessor(verifier, outbox, parts), config.AfterReport);
    }

    private static IReadOnlyList<string> ApplyPolicy(PolicyChangeService policy, JsonElement value, string actor, string reason)
    {
        PolicyDocument? document;
        try
        {
            document = value.Deserialize(PolicyJsonContext.Default.PolicyDocument);
        }
        catch (JsonException ex)
        {
            return [$"not a policy document: {ex.Message}"];
        }

        if (document is null)
        {
            return ["not a policy document"];
        }

        var result = policy.Apply(document, actor, reason);
        return result.Applied ? [] : result.Errors;
    }

    // The LA's DSL has seen an incident: the panel's LED goes from blinking to steady. Audited by the incident service
    // (and the command itself by the command processor).
    private static string AcknowledgeIncident(Func<long, string, bool> acknowledge, FleetTopics topics, JsonElement args)
    {
        if (args.ValueKind != JsonValueKind.Object || !args.TryGetProperty("id", out var id)
            || !(id.ValueKind == JsonValueKind.Number ? id.TryGetInt64(out var number) : long.TryParse(id.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number)))
        {
            throw new ArgumentException("incident.ack needs {\"id\": the incident's number}");
        }

        var done = acknowledge(number, "la:" + topics.La);
        return $$"""{"acknowledged":{{number}},"changed":{{(done ? "true" : "false")}}}""";
    }

    private static string Resend(OutboxStore outbox, JsonElement args)
    {
        if (args.ValueKind != JsonValueKind.Object || !args.TryGetProperty("stream", out var stream) || stream.GetString() is not { } name
            || !Streams.IsKnown(name) || !args.TryGetProperty("fromSeq", out var from) || !from.TryGetInt64(out var seq))
        {
            throw new ArgumentException("resend needs {\"stream\": one of " + string.Join(", ", Streams.All) + ", \"fromSeq\": a number}");
        }

        return $$"""{"chunks":{{outbox.Resend(name, seq)}}}""";
    }

    private static string Verify(AuditLog audit)
    {
        var result = audit.Verify();
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("intact", result.Intact);
            w.WriteNumber("entries", result.Entries);
            w.WriteNumber("lastSeq", result.LastSeq);
            w.WriteString("head", result.Head);
            if (result.Problem is not null)
            {
                w.WriteString("problem", result.Problem);
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Status(OutboxStore outbox, PolicyChangeService policy, Configuration.ApplianceSettings settings, long connects)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("version", Program.Version);
            w.WriteNumber("policyVersion", policy.Current.Version);
            w.WriteNumber("epoch", outbox.Epoch);
            w.WriteNumber("outboxBytes", outbox.StoredBytes);
            w.WriteNumber("connects", connects);
            w.WriteString("configSha256", settings.ConfigSha256);
            w.WriteBoolean("laConfig", settings.LaConfigApplied);
            if (settings.LaConfigProblem is not null)
            {
                w.WriteString("laConfigProblem", settings.LaConfigProblem);
            }

            w.WriteStartArray("streams");
            foreach (var b in outbox.Backlog())
            {
                w.WriteStartObject();
                w.WriteString("stream", b.Stream);
                w.WriteNumber("lastSeq", b.LastSeq);
                w.WriteNumber("ackedSeq", b.AckedSeq);
                w.WriteNumber("pending", b.Pending);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
