using System.Text;
using Appliance.Radius.Users;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Users;

/// <summary>
/// Importing staff and pupils from the MIS's CSV on the web, in two steps: the upload is a dry run that shows what
/// would change and every bad line by its number; only a clean dry run can be confirmed, and the confirmation runs the
/// store's import (all or nothing, audited). The passwords generated for new users exist only in memory, offered once
/// as a download, never written to disk.
/// </summary>
internal static class UserImportEndpoints
{
    public const string Path = "/users/import";

    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Users.Roles;
        app.MapGet(Path, Show).RequireRoles(roles);
        app.MapPost(Path, DryRun).RequireRoles(roles);
        app.MapPost(Path + "/confirm", Confirm).RequireRoles(roles);
        app.MapGet(Path + "/passwords/{token}", Passwords).RequireRoles(roles);
    }

    /// <summary>Runs the store's import of <paramref name="csv"/>: a dry run, or for real with the generated passwords' CSV kept in memory.</summary>
    /// <exception cref="UserInputException">A bad option.</exception>
    /// <exception cref="UserStoreException">The store cannot be written; nothing changed.</exception>
    public static (ImportReport Report, byte[]? Passwords) Run(UserStore store, string csv, UserKind? kind, bool papOnly, bool dryRun, string actor)
    {
        using var passwords = new MemoryStream();
        var report = store.Import(new StringReader(csv), new ImportOptions
        {
            DefaultKind = kind,
            DryRun = dryRun,
            StoreNtHash = !papOnly,
            PasswordsStream = passwords,
        }, actor);
        return (report, report.Applied && report.PasswordsGenerated > 0 ? passwords.ToArray() : null);
    }

    /// <summary>The default kind as chosen on the form or the API: empty for "from the file", else staff or pupil.</summary>
    public static bool TryParseKind(string? text, out UserKind? kind)
    {
        kind = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var ok = UserKinds.TryParse(text.Trim(), out var parsed) && parsed != UserKind.Guest;
        kind = ok ? parsed : null;
        return ok;
    }

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Show(HttpContext context) =>
        Wifi.Store(context) is null ? Wifi.Off(context) : Page(context, null, null, null, null, null);

    private static async Task<IResult> DryRun(HttpContext context, UserImports imports, IFormFile? file, [FromForm] string? kind, [FromForm] string? papOnly)
    {
        if (Wifi.Store(context) is not { } store)
        {
            return Wifi.Off(context);
        }

        if (file is null || file.Length == 0)
        {
            return Page(context, null, null, null, null, Outcome.Refused("Choose a CSV file to import."));
        }

        if (file.Length > UserImports.MaxUploadBytes)
        {
            return Page(context, file.FileName, null, null, null, Outcome.Refused($"{file.FileName} is larger than {UserImports.MaxUploadBytes / 1024 / 1024} MB; export only the users to import."));
        }

        if (!TryParseKind(kind, out var defaultKind))
        {
            return Page(context, file.FileName, null, null, null, Outcome.Refused($"Kind: '{kind}' is not staff or pupil."));
        }

        using var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var csv = await reader.ReadToEndAsync(context.RequestAborted);
        var actor = Wifi.Actor(context);
        try
        {
            var (report, _) = Run(store, csv, defaultKind, papOnly is not null, dryRun: true, actor);
            var token = report.Errors.Count == 0 && report.Added + report.Updated > 0
                ? imports.Pending.Put(actor, new PendingImport(file.FileName, csv, defaultKind, papOnly is not null))
                : null;
            return Page(context, file.FileName, report, token, null, null);
        }
        catch (Exception ex) when (ex is UserInputException or UserStoreException)
        {
            return Page(context, file.FileName, null, null, null, Outcome.Refused(ex.Message));
        }
    }

    private static IResult Confirm(HttpContext context, UserImports imports, [FromForm] string token)
    {
        if (Wifi.Store(context) is not { } store)
        {
            return Wifi.Off(context);
        }

        var actor = Wifi.Actor(context);
        if (imports.Pending.Take(actor, token) is not { } pending)
        {
            return Page(context, null, null, null, null, Outcome.Refused("This import has already been confirmed, or its dry run is more than 30 minutes old: upload the file again."));
        }

        try
        {
            var (report, passwords) = Run(store, pending.Csv, pending.DefaultKind, pending.PapOnly, dryRun: false, actor);
            var download = passwords is null ? null : imports.Passwords.Put(actor, passwords);
            return Page(context, pending.FileName, report, null, download, null);
        }
        catch (Exception ex) when (ex is UserInputException or UserStoreException)
        {
            return Page(context, pending.FileName, null, null, null, Outcome.Refused($"Nothing was imported: {ex.Message}"));
        }
    }

    // Once only: the generated passwords are gone from memory as soon as they are sent.
    private static IResult Passwords(HttpContext context, UserImports imports, string token) =>
        imports.Passwords.Take(Wifi.Actor(context), token) is { } csv
            ? Results.File(csv, "text/csv; charset=utf-8", "wifi-passwords.csv")
            : Results.Text("These passwords have already been downloaded (they are offered once), or the import is more than 30 minutes old. "
                + "Set new passwords on the Users page for anyone who did not get theirs.", "text/plain; charset=utf-8", statusCode: StatusCodes.Status410Gone);

    private static IResult Page(HttpContext context, string? fileName, ImportReport? report, string? confirmToken, string? passwordsToken, Outcome? outcome) =>
        Slices.UserImport.Create(new ImportPage(Frames.For(context, "Import users"), fileName, report, confirmToken, passwordsToken, outcome));
#pragma warning restore CA1859
}
