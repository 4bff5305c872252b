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
            var name = start >= 0 && end > start ? message[(start + 1)..end] : "?";
            problem = $"unknown setting '{name}'";
            field = field == "the file" ? name : $"{field}.{name}";
        }
        else if (message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            problem = "has the wrong type: expected " + ExpectedType(message);
        }
        else
        {
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            problem = "is not valid JSON: " + (cut > 0 ? message[..cut] : message);
        }

        return $"{field}{where}: {problem}";
    }

    private static string ExpectedType(string message)
    {
        if (message.Contains("System.String", StringComparison.Ordinal))
        {
            return "a string";
        }

        if (message.Contains("System.Boolean", StringComparison.Ordinal))
        {
            return "true or false";
        }

        if (message.Contains("Int32", StringComparison.Ordinal) || message.Contains("Int64", StringComparison.Ordinal) || message.Contains("UInt32", StringComparison.Ordinal))
        {
            return "a whole number";
        }

        if (message.Contains("IReadOnlyList", StringComparison.Ordinal))
        {
            return "a list [ ... ]";
        }

        return "an object { ... }";
    }
}
