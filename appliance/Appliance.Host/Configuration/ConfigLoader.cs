using System.Text.Json;

namespace Appliance.Host.Configuration;

/// <summary>
/// Reads the JSON configuration file strictly: unknown keys, wrong types and malformed JSON are errors that
/// name the field (as a JSON path) and what is wrong, so a technician can fix the file from the message alone.
/// </summary>
public static class ConfigLoader
{
    public static ApplianceConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the configuration file: {ex.Message}", ex);
        }

        return Parse(text, path);
    }

    public static ApplianceConfig Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ConfigJsonContext.Default.ApplianceConfig)
                ?? throw new ConfigException($"{source}: the file holds 'null'; expected a JSON object");
        }
        catch (JsonException ex)
        {
            throw new ConfigException($"{source}: {Describe(ex)}", ex);
        }
    }

    // System.Text.Json reports a path like "$.dns.listen[0]" and a message in its own words; turn both into
    // "dns.listen[0] (line 3): expected a string".
    private static string Describe(JsonException ex)
    {
        var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "the file" : ex.Path.TrimStart('$', '.');
        var where = ex.LineNumber is { } line ? $" (line {line + 1})" : string.Empty;
        var message = ex.Message;
        string problem;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            var start = message.IndexOf('\'', StringComparison.Ordinal);
            var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
            problem = $"unknown setting '{(start >= 0 && end > start ? message[(start + 1)..end] : "?")}'";
        }
        else if (message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            // The generated serializer names the containing type; find the property's own type from the path.
            problem = "has the wrong type: expected " + Describe(TypeAt(ex.Path ?? "$"));
        }
        else
        {
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            problem = "is not valid JSON: " + (cut > 0 ? message[..cut] : message);
        }

        return $"{field}{where}: {problem}";
    }

    private static Type TypeAt(string path)
    {
        var type = typeof(ApplianceConfig);
        foreach (var segment in path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment;
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                name = segment[..bracket];
            }

            var info = ConfigJsonContext.Default.GetTypeInfo(type);
            var property = info?.Properties.FirstOrDefault(p => p.Name == name);
            if (property is null)
            {
                return type;
            }

            type = property.PropertyType;
            if (bracket >= 0 && ElementType(type) is { } element)
            {
                type = element;
            }
        }

        return type;
    }

    private static Type? ElementType(Type type)
        => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0] : null;

    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "a string";
        }

        if (type == typeof(bool))
        {
            return "true or false";
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(uint))
        {
            return "a whole number";
        }

        if (ElementType(type) is { } element)
        {
            return element == typeof(string) ? "a list of strings [ \"...\" ]" : "a list of objects [ { ... } ]";
        }

        return "an object { ... }";
    }
}
