using System.Text.Json.Serialization;
using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Content;

/// <summary>Source-generated JSON for what the store keeps as JSON (reports), so nothing needs reflection (Native AOT).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FetchReport))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class LessonsJsonContext : JsonSerializerContext;
