using System.Text.Json;
using Appliance.Fleet.Mqtt;

namespace Appliance.Fleet.Downlink;

/// <summary>
/// The signed payload of a downlink message: <c>{"v":1,"type":"cmd"|"desired","la","school","apl","id","name",
/// "issued","expires","args"}</c> for a command, <c>{…,"type":"desired","version","doc"}</c> for desired state.
/// </summary>
public sealed class DownlinkMessage : IDisposable
{
    private readonly JsonDocument _document;

    private DownlinkMessage(JsonDocument document) => _document = document;

    public JsonElement Root => _document.RootElement;

    public string Type => Text("type");

    public string Id => Text("id");

    public string Name => Text("name");

    public long Version => Root.TryGetProperty("version", out var v) && v.TryGetInt64(out var n) ? n : 0;

    public DateTimeOffset Issued => DateTimeOffset.FromUnixTimeMilliseconds(Number("issued"));

    public DateTimeOffset? Expires => Root.TryGetProperty("expires", out var e) && e.TryGetInt64(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public JsonElement Args => Root.TryGetProperty("args", out var a) ? a : default;

    public JsonElement Doc => Root.TryGetProperty("doc", out var d) ? d : default;

    /// <summary>Parses and checks what every downlink message must satisfy: version 1, this type, this box, issued not in the future, not expired.</summary>
    /// <exception cref="SignatureException">It does not; the message says which check failed.</exception>
    public static DownlinkMessage Parse(ReadOnlySpan<byte> payload, string type, FleetTopics topics, DateTimeOffset now)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray());
        }
        catch (JsonException ex)
        {
            throw new SignatureException($"signed payload is not JSON ({ex.Message})", ex);
        }

        var message = new DownlinkMessage(document);
        try
        {
            message.Check(type, topics, now);
            return message;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    private void Check(string type, FleetTopics topics, DateTimeOffset now)
    {
        if (Root.ValueKind != JsonValueKind.Object || Number("v") != 1)
        {
            throw new SignatureException("signed payload: version 1 object expected");
        }

        if (Type != type)
        {
            throw new SignatureException($"signed for '{Type}', received as '{type}'");
        }

        if (Text("la") != topics.La || Text("school") != topics.School || Text("apl") != topics.Appliance)
        {
            throw new SignatureException($"signed for {Text("la")}/{Text("school")}/{Text("apl")}, not this box");
        }

        // Five minutes of clock skew allowed; a box without NTP for long will refuse, and say so.
        if (Issued > now + TimeSpan.FromMinutes(5))
        {
            throw new SignatureException($"issued {Issued:u}, in the future by this box's clock ({now:u})");
        }

        if (Expires is { } expires && expires < now)
        {
            throw new SignatureException($"expired at {expires:u}");
        }

        // A command must expire, and within a day: the ledger that stops replays keeps ids for 30 days, so a signed
        // command can never outlive the record of having run it.
        if (type == "cmd" && (Expires is not { } end || end - Issued > TimeSpan.FromDays(1)))
        {
            throw new SignatureException("a command must carry an expiry no more than a day after it was issued");
        }
    }

    private string Text(string name)
        => Root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private long Number(string name)
        => Root.TryGetProperty(name, out var value) && value.TryGetInt64(out var n) ? n : throw new SignatureException($"signed payload: '{name}' missing");

    public void Dispose() => _document.Dispose();
}
