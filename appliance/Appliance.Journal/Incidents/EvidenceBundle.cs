using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Appliance.Core.Lists;

namespace Appliance.Journal.Incidents;

/// <summary>Where evidence is gathered from: the panel's room (its subnets; none: every device) and how far back.</summary>
public sealed record EvidenceScope(IReadOnlyList<IPNetwork> Subnets, TimeSpan Before)
{
    /// <summary>The most events one bundle holds (the newest are kept): a bundle must stay small enough to hand over.</summary>
    public int MaxEvents { get; init; } = 50_000;

    public bool Covers(string client)
        => Subnets.Count == 0 || (IPAddress.TryParse(client, out var address) && Subnets.Any(s => s.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address)));
}

/// <summary>What was sealed: the file, its SHA-256, and what it holds.</summary>
public sealed record SealedEvidence(string File, string Sha256, int Events, int Devices);

/// <summary>
/// Seals the evidence of an incident: the queries of the devices in the panel's room for the minutes before the raise
/// and which device (and user, where known) made them, written once as a JSON file whose SHA-256 the caller chains
/// into the audit log. Anyone can later recompute the file's digest and find it in the verified chain: a changed
/// byte shows. Devices recorded under a pseudonym cannot be placed in a subnet and are included only when the scope
/// is every device.
/// </summary>
public static class EvidenceBundle
{
    /// <exception cref="IOException">The bundle could not be written (full disk); nothing half-written is left.</exception>
    /// <param name="incident">The raised incident.</param>
    /// <param name="journal">Where the queries are.</param>
    /// <param name="scope">Which devices and how far back.</param>
    /// <param name="directory">Where the bundle is written (DATA_DIR/evidence).</param>
    /// <param name="sealedAt">When (in the bundle).</param>
    /// <param name="capture">The packets of the same minutes, written beside the bundle; its digest goes into the bundle, so one digest covers both.</param>
    public static SealedEvidence Seal(Incident incident, QueryJournal journal, EvidenceScope scope, string directory, DateTimeOffset sealedAt,
        Appliance.Core.Incidents.CaptureFile? capture = null)
    {
        var from = incident.RaisedAt - scope.Before;
        var events = journal.Between(from, incident.RaisedAt, scope.MaxEvents * 4).Where(e => scope.Covers(e.Client)).TakeLast(scope.MaxEvents).ToList();
        var devices = events.GroupBy(e => (e.Client, e.User, e.Group))
            .Select(g => (g.Key.Client, g.Key.User, g.Key.Group, Queries: g.Count(), Blocked: g.Count(e => (e.Flags & (byte)Appliance.Core.Events.QueryEventFlags.Blocked) != 0)))
            .OrderBy(d => d.Client, StringComparer.Ordinal)
            .ToList();

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("kind", "incident-evidence");
            w.WriteNumber("incident", incident.Id);
            w.WriteString("raisedAt", incident.RaisedAt);
            w.WriteString("panel", incident.Panel);
            w.WriteString("room", incident.Room);
            w.WriteString("raisedBy", incident.RaisedBy);
            w.WriteBoolean("test", incident.Test);
            w.WriteString("sealedAt", sealedAt);
            w.WriteStartObject("window");
            w.WriteString("from", from);
            w.WriteString("to", incident.RaisedAt);
            w.WriteEndObject();
            w.WriteStartArray("subnets");
            foreach (var subnet in scope.Subnets)
            {
                w.WriteStringValue(subnet.ToString());
            }

            w.WriteEndArray();
            if (capture is not null)
            {
                w.WriteStartObject("capture");
                w.WriteString("file", System.IO.Path.GetFileName(capture.Path));
                w.WriteString("sha256", capture.Sha256);
                w.WriteNumber("packets", capture.Packets);
                w.WriteEndObject();
            }

            w.WriteStartArray("devices");
            foreach (var d in devices)
            {
                w.WriteStartObject();
                w.WriteString("client", d.Client);
                w.WriteString("user", d.User);
                w.WriteString("group", d.Group);
                w.WriteNumber("queries", d.Queries);
                w.WriteNumber("blocked", d.Blocked);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("events");
            foreach (var e in events)
            {
                w.WriteStartObject();
                w.WriteString("at", e.At);
                w.WriteString("client", e.Client);
                if (e.User is not null)
                {
                    w.WriteString("user", e.User);
                }

                w.WriteString("group", e.Group);
                w.WriteString("name", e.Name);
                w.WriteNumber("type", e.QueryType);
                w.WriteNumber("reason", e.Reason);
                w.WriteBoolean("blocked", (e.Flags & (byte)Appliance.Core.Events.QueryEventFlags.Blocked) != 0);
                if (e.Categories != 0)
                {
                    w.WriteString("categories", Categories.Describe(e.Categories));
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        Directory.CreateDirectory(directory);
        var path = System.IO.Path.Combine(directory, $"incident-{incident.Id}.json");
        var bytes = buffer.ToArray();
        Appliance.Core.IO.DurableFile.Replace(path, bytes);
        return new SealedEvidence(path, Convert.ToHexStringLower(SHA256.HashData(bytes)), events.Count, devices.Count);
    }
}
