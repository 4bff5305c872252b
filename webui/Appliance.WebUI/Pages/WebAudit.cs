using Appliance.Journal.Audit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Pages;

/// <summary>Records what a signed-in person (or API token) changed through the web UI in the box's audit log, never a secret.</summary>
public static class WebAudit
{
    /// <summary>Appends to the audit log as the signed-in account; does nothing where no log is registered (the web UI's own unit tests).</summary>
    public static void Record(HttpContext context, string action, string subject, string detail) =>
        context.RequestServices.GetService<AuditLog>()?.Append(context.User.Identity?.Name ?? "anonymous", action, subject, detail);
}
