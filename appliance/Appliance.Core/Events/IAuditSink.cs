namespace Appliance.Core.Events;

/// <summary>
/// Where every change and every command received is recorded: who (<c>actor</c>), what kind of
/// change (<c>action</c>, e.g. <c>policy.apply</c>), to what (<c>subject</c>), and the
/// details (<c>detail</c>, JSON). The implementation is append-only and hash-chained (issue 4).
/// </summary>
/// <remarks>
/// Recording never throws: a change already made must not be reported as failed because the log could not take
/// it (a full disk). The caller reports a false return as an alert; the next start records what was missed where
/// it can (policy versions).
/// </remarks>
public interface IAuditSink
{
    /// <returns>Whether the entry was stored.</returns>
    bool Record(string actor, string action, string subject, string detail);
}

/// <summary>Builds an audit entry's detail: a flat JSON object of the given names and values (nulls left out).</summary>
public static class AuditDetail
{
    public static string Of(params (string Name, object? Value)[] fields)
    {
        using var buffer = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                switch (value)
                {
                    case null:
                        break;
                    case long or int:
                        w.WriteNumber(name, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                        break;
                    case bool b:
                        w.WriteBoolean(name, b);
                        break;
                    case IEnumerable<string> list:
                        w.WriteStartArray(name);
                        foreach (var item in list)
                        {
                            w.WriteStringValue(item);
                        }

                        w.WriteEndArray();
                        break;
                    default:
                        w.WriteString(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                        break;
                }
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
