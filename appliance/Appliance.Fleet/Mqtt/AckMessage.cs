using System.Text.Json;

namespace Appliance.Fleet.Mqtt;

/// <summary>
/// The LA ingest's end-to-end acknowledgement on <c>down/ack</c>, published after its database commit:
/// <c>{"epoch":E,"acked":{"dns":1200,…},"resend":{"block":41}}</c> — per stream the highest contiguous seq it has
/// stored, and where it saw a gap that it wants filled.
/// </summary>
public sealed record AckMessage(long Epoch, IReadOnlyDictionary<string, long> Acked, IReadOnlyDictionary<string, long> Resend)
{
    /// <exception cref="FormatException">Not such an object; the message says what is wrong.</exception>
    public static AckMessage Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("epoch", out var epoch) || epoch.ValueKind != JsonValueKind.Number || !epoch.TryGetInt64(out var e))
            {
                throw new FormatException("ack: an object with a numeric 'epoch' was expected");
            }

            return new AckMessage(e, Streams(root, "acked"), Streams(root, "resend"));
        }
        catch (JsonException ex)
        {
            throw new FormatException($"ack: not JSON ({ex.Message})", ex);
        }
    }

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("epoch", Epoch);
            Write(w, "acked", Acked);
            Write(w, "resend", Resend);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void Write(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, long> streams)
    {
        w.WriteStartObject(name);
        foreach (var (stream, seq) in streams)
        {
            w.WriteNumber(stream, seq);
        }

        w.WriteEndObject();
    }

    private static Dictionary<string, long> Streams(JsonElement root, string name)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (root.TryGetProperty(name, out var streams) && streams.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in streams.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt64(out var seq))
                {
                    throw new FormatException($"ack: {name}.{p.Name} is not a sequence number");
                }

                result[p.Name] = seq;
            }
        }

        return result;
    }
}
