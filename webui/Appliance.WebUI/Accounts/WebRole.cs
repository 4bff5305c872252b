namespace Appliance.WebUI.Accounts;

/// <summary>Who uses the web UI (DESIGN §2; school-requirements.md §3). Every endpoint names the roles it serves.</summary>
public enum WebRole
{
    /// <summary>Runs the box: settings, users, lists, health.</summary>
    Technician,

    /// <summary>Designated safeguarding lead: activity, timelines, incidents, policy approval.</summary>
    Dsl,

    /// <summary>Head teacher / senior leadership: reports, policy approval.</summary>
    Head,

    /// <summary>Governors: reports, read-only.</summary>
    Governor,

    /// <summary>Teachers: their classes' activity (later), guests they sponsor.</summary>
    Teacher,
}

public static class WebRoles
{
    public static string Name(WebRole role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string? text, out WebRole role) =>
        Enum.TryParse(text, ignoreCase: true, out role) && Enum.IsDefined(role);
}
