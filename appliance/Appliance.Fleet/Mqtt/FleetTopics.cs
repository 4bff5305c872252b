using System.Buffers;

namespace Appliance.Fleet.Mqtt;

/// <summary>
/// The topic tree (../shared/reference/mqtt-fleet.md §4): <c>la/{la}/sch/{school}/apl/{apl}/up/…</c> and
/// <c>…/down/…</c>. Ids are checked here once: an id with <c>/</c>, <c>+</c> or <c>#</c> would break the broker's
/// <c>%u</c> ACL pattern (Mosquitto refuses wildcards in the username but not a slash).
/// </summary>
public sealed class FleetTopics
{
    private static readonly SearchValues<char> IdChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    public FleetTopics(string la, string school, string appliance)
    {
        La = Check(la, "la");
        School = Check(school, "school");
        Appliance = Check(appliance, "appliance");
        Prefix = $"la/{la}/sch/{school}/apl/{appliance}";
    }

    public string La { get; }

    public string School { get; }

    public string Appliance { get; }

    /// <summary><c>la/{la}/sch/{school}/apl/{apl}</c>.</summary>
    public string Prefix { get; }

    public string Presence => $"{Prefix}/up/presence";

    public string State => $"{Prefix}/up/state";

    public string Reply => $"{Prefix}/up/reply";

    public string DownAll => $"{Prefix}/down/#";

    public string DownPrefix => $"{Prefix}/down/";

    /// <summary>Incidents have their own topic (their own lane at the LA too); everything else is a log stream.</summary>
    public string Up(string stream) => stream == Outbox.Streams.Incident ? $"{Prefix}/up/incident" : $"{Prefix}/up/log/{stream}";

    /// <exception cref="ArgumentException">Empty, longer than 64, or a character other than letters, digits, '-', '_' and '.'.</exception>
    public static string Check(string id, string what)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || id.AsSpan().ContainsAnyExcept(IdChars) || id is "." or "..")
        {
            throw new ArgumentException($"{what} id '{id}' must be 1–64 letters, digits, '-', '_' or '.' (it is part of MQTT topics and the broker's ACLs)", what);
        }

        return id;
    }
}
