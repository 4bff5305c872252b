using System.Text.Json;
using Appliance.Core.Lists;
using Appliance.Policy.Lists;

namespace Appliance.Host.Hosting;

/// <summary>
/// The lists the Local Authority points the box at through desired state: <c>{"lists":[{"source":"https://…",
/// "category":"gambling"|"iwf"|…,"sha256":"…"} | {…,"signatureUrl":"https://…"}]}</c>. Each must be an HTTP(S) URL
/// with a pinned SHA-256 or a detached signature made with the LA's command key (the key the box already trusts for
/// commands). Kept in DATA_DIR/la-lists.json so they survive a restart; fetched, checked and cached like configured lists.
/// </summary>
public static class LaLists
{
    public const string File = "la-lists.json";

    /// <summary>Parses and checks the part; the problems are named per entry (<c>lists[1].sha256: …</c>).</summary>
    public static (List<ListSourceOptions> Lists, List<string> Errors) Parse(JsonElement value, string commandKeyPem)
    {
        var lists = new List<ListSourceOptions>();
        var errors = new List<string>();
        if (value.ValueKind != JsonValueKind.Array)
        {
            return (lists, ["an array of {source, category, sha256 | signatureUrl} expected"]);
        }

        var i = 0;
        foreach (var entry in value.EnumerateArray())
        {
            var at = $"[{i++}]";
            var source = Text(entry, "source");
            var categoryName = Text(entry, "category");
            var sha = Text(entry, "sha256");
            var signature = Text(entry, "signatureUrl");
            Category category = default;
            if (source is null || !Uri.TryCreate(source, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            {
                errors.Add($"{at}.source: '{source}' is not an http(s) URL");
            }

            if (categoryName is null || !(Categories.TryParse(categoryName, out category) || Categories.TryFromListName(categoryName, out category)))
            {
                errors.Add($"{at}.category: '{categoryName}' is not a category");
            }

            if (sha is not null && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit)))
            {
                errors.Add($"{at}.sha256: must be 64 hex digits");
            }

            if (sha is null && signature is null)
            {
                errors.Add($"{at}: needs a sha256 or a signatureUrl (a list from the LA is never taken unchecked)");
            }

            lists.Add(new ListSourceOptions
            {
                Source = source ?? "",
                Category = category,
                Sha256 = sha,
                SignatureUrl = signature,
                PublicKeyPem = signature is null ? null : commandKeyPem,
            });
        }

        return (lists, errors);
    }

    public static void Save(string dataDir, JsonElement value)
    {
        Appliance.Core.IO.DurableFile.Replace(Path.Combine(dataDir, File), System.Text.Encoding.UTF8.GetBytes(value.GetRawText()));
    }

    /// <summary>The lists saved by the last desired state, or none.</summary>
    public static IReadOnlyList<ListSourceOptions> Load(string dataDir, string? commandKeyPem)
    {
        var path = Path.Combine(dataDir, File);
        if (commandKeyPem is null || !System.IO.File.Exists(path))
        {
            return [];
        }

        using var document = JsonDocument.Parse(System.IO.File.ReadAllText(path));
        var (lists, errors) = Parse(document.RootElement, commandKeyPem);
        return errors.Count == 0 ? lists : [];
    }

    private static string? Text(JsonElement entry, string name)
        => entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
