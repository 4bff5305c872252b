using System.Text.Json;
using Appliance.Host.Configuration;

namespace Appliance.Host.Hosting;

/// <summary>
/// The <c>config</c> part of the LA's desired state: settings checked against the box's own file and command line
/// exactly as a start would check them (all or nothing, every problem named), saved to DATA_DIR/la-config.json, then
/// taken by restarting the services once the outcome has been reported to the LA. <c>null</c> drops the LA's settings.
/// </summary>
public sealed class LaConfigPart
{
    private readonly ConfigInputs? _inputs;
    private readonly string _dataDir;
    private readonly HostRestart? _restart;
    private volatile bool _pending;

    public LaConfigPart(ConfigInputs? inputs, string dataDir, HostRestart? restart)
    {
        _inputs = inputs;
        _dataDir = dataDir;
        _restart = restart;
    }

    public IReadOnlyList<string> Apply(JsonElement value)
    {
        if (_inputs is null || _restart is null)
        {
            return ["this box was started without its configuration inputs and cannot take settings"];
        }

        var clear = value.ValueKind == JsonValueKind.Null;
        if (!clear)
        {
            var errors = LaConfig.Check(value, _inputs);
            if (errors.Count > 0)
            {
                return errors;
            }
        }

        var saved = LaConfig.Read(_dataDir);
        if (clear ? saved is null : saved is not null && SameJson(saved, value))
        {
            return [];   // already what the box runs with
        }

        try
        {
            LaConfig.Save(_dataDir, clear ? null : value);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [$"{LaConfig.FileName}: cannot be saved: {ex.Message}"];
        }

        _pending = true;
        return [];
    }

    /// <summary>After the outcome reached the LA (or failed to): restart if new settings were saved.</summary>
    public void AfterReport()
    {
        if (_pending)
        {
            _pending = false;
            _restart?.Request("the LA's configuration changed");
        }
    }

    private static bool SameJson(string saved, JsonElement value)
    {
        try
        {
            using var document = JsonDocument.Parse(saved);
            return JsonElement.DeepEquals(document.RootElement, value);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
