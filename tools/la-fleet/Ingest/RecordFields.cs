using System.Text.Json;

namespace LaFleet.Ingest;

/// <summary>What the ingest reads out of a record besides storing it: its time and kind, and a gap record's range.</summary>
internal static class RecordFields
{
    public static (long? Ts, string? Kind) Header(string record)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(record));
        long? ts = null;
        string? kind = null;
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            // The box writes ts and kind first; two properties are enough.
            for (var i = 0; i < 2 && reader.Read() && reader.TokenType == JsonTokenType.PropertyName; i++)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == "ts" && reader.TokenType == JsonTokenType.Number)
                {
                    ts = reader.GetInt64();
                }
                else if (name == "kind" && reader.TokenType == JsonTokenType.String)
                {
                    kind = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        return (ts, kind);
    }

    /// <summary>A gap record: seqs <c>From</c>…<c>To</c> of <c>Stream</c> were dropped on the box on purpose (disk budget).</summary>
    public static (string Stream, long Epoch, long From, long To)? Gap(string record, long batchEpoch)
    {
        using var document = JsonDocument.Parse(record);
        var root = document.RootElement;
        if (!root.TryGetProperty("stream", out var stream) || stream.GetString() is not { } name
            || !root.TryGetProperty("fromSeq", out var from) || !root.TryGetProperty("toSeq", out var to) || from.GetInt64() > to.GetInt64())
        {
            return null;
        }

        return (name, root.TryGetProperty("epoch", out var epoch) ? epoch.GetInt64() : batchEpoch, from.GetInt64(), to.GetInt64());
    }
}
