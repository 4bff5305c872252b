using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Appliance.Radius.Users;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Users;

/// <summary>
/// /api/users: the Users page as JSON for the technician's scripts (same roles, same store, same audit). A POST takes
/// JSON (an import takes the CSV itself as text/csv); a generated password is in the answer once and nowhere else.
/// </summary>
internal static class UserApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Users.Roles;
        app.MapGet("/api/users", List).RequireRoles(roles);
        app.MapPost("/api/users", Add).RequireRoles(roles);
        app.MapPost("/api/users/import", Import).RequireRoles(roles);
        app.MapPost("/api/users/{name}/disable", (HttpContext context, string name) => Run(context, store =>
            Ok(UserJson.Of(UserActions.SetEnabled(store, name, false, Wifi.Actor(context))), UsersJson.Default.UserJson))).RequireRoles(roles);
        app.MapPost("/api/users/{name}/enable", (HttpContext context, string name) => Run(context, store =>
            Ok(UserJson.Of(UserActions.SetEnabled(store, name, true, Wifi.Actor(context))), UsersJson.Default.UserJson))).RequireRoles(roles);
        app.MapPost("/api/users/{name}/password", (HttpContext context, string name) => Run(context, store =>
            Ok(new PasswordJson(UserActions.ResetPassword(store, name, Wifi.Actor(context))), UsersJson.Default.PasswordJson))).RequireRoles(roles);
        app.MapDelete("/api/users/{name}", (HttpContext context, string name) => Run(context, store =>
            store.RemoveGuest(name, Wifi.Actor(context)) ? Results.NoContent() : Wifi.ApiError($"no user '{UserNames.Printable(name)}'", StatusCodes.Status404NotFound)))
            .RequireRoles(roles);
    }

    /// <summary>Runs an API call on the store: 503 while RADIUS is off, 400 with the store's message for bad input, 500 if the store cannot be written.</summary>
    public static IResult Run(HttpContext context, Func<UserStore, IResult> call)
    {
        if (Wifi.Store(context) is not { } store)
        {
            return Wifi.Off(context);
        }

        try
        {
            return call(store);
        }
        catch (UserInputException ex)
        {
            return Wifi.ApiError(ex.Message);
        }
        catch (UserStoreException ex)
        {
            return Wifi.ApiError(ex.Message, StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>The request's JSON body, or null when it is missing or not that shape (the caller answers 400).</summary>
    public static async Task<T?> ReadJson<T>(HttpContext context, JsonTypeInfo<T> type, CancellationToken aborted)
        where T : class
    {
        try
        {
            return context.Request.HasJsonContentType() ? await JsonSerializer.DeserializeAsync(context.Request.Body, type, aborted) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static IResult Ok<T>(T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK) => Results.Json(value, type, statusCode: status);

    private static IResult List(HttpContext context, [FromQuery] string? search, [FromQuery] string? kind, [FromQuery] string? group,
        [FromQuery] string? year, [FromQuery] string? state, [FromQuery] int? offset, [FromQuery] int? limit) => Run(context, store =>
    {
        var (query, problem) = new UserFilter(search, kind, group, year, state, offset ?? 0).ToQuery();
        if (query is null)
        {
            return Wifi.ApiError(problem!);
        }

        var page = store.List(query with { Limit = limit ?? UserFilter.PageSize });
        return Ok(new UserListJson(page.Total, [.. page.Users.Select(UserJson.Of)]), UsersJson.Default.UserListJson);
    });

    private static async Task<IResult> Add(HttpContext context, CancellationToken aborted)
    {
        var request = await ReadJson(context, UsersJson.Default.NewUserJson, aborted);
        return Run(context, store =>
        {
            if (request is null || !UserKinds.TryParse(request.Kind ?? "", out var kind))
            {
                return Wifi.ApiError("the body must be JSON: {\"name\": …, \"kind\": \"staff\" or \"pupil\", optional group, yearGroup, firstName, lastName, password, papOnly}");
            }

            var (user, generated) = UserActions.Add(store, new NewUser
            {
                Name = request.Name ?? "",
                Kind = kind,
                Group = request.Group,
                YearGroup = request.YearGroup,
                FirstName = request.FirstName,
                LastName = request.LastName,
                StoreNtHash = !request.PapOnly,
            }, request.Password, Wifi.Actor(context));
            return Ok(new CreatedJson(UserJson.Of(user), generated), UsersJson.Default.CreatedJson, StatusCodes.Status201Created);
        });
    }

    // The CSV is the body (text/csv: a cross-site form cannot send that type); ?dryRun=true only reports.
    private static async Task<IResult> Import(HttpContext context, [FromQuery] bool? dryRun, [FromQuery] string? kind, [FromQuery] bool? papOnly)
    {
        if (!string.Equals(context.Request.ContentType?.Split(';')[0].Trim(), "text/csv", StringComparison.OrdinalIgnoreCase))
        {
            return Wifi.ApiError("send the CSV as the body with Content-Type: text/csv", StatusCodes.Status415UnsupportedMediaType);
        }

        if (context.Request.ContentLength > UserImports.MaxUploadBytes)
        {
            return Wifi.ApiError($"the CSV is larger than {UserImports.MaxUploadBytes / 1024 / 1024} MB", StatusCodes.Status413PayloadTooLarge);
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var csv = await reader.ReadToEndAsync(context.RequestAborted);
        return Run(context, store =>
        {
            if (!UserImportEndpoints.TryParseKind(kind, out var defaultKind))
            {
                return Wifi.ApiError($"kind: '{kind}' is not staff or pupil");
            }

            var (report, passwords) = UserImportEndpoints.Run(store, csv, defaultKind, papOnly == true, dryRun == true, Wifi.Actor(context));
            var json = new ImportJson(report.Added, report.Updated, report.Unchanged, report.PasswordsGenerated,
                [.. report.Errors.Select(e => new ImportErrorJson(e.Line, e.Message))], report.IgnoredColumns, report.Applied,
                passwords is null ? null : Encoding.UTF8.GetString(passwords));
            return Ok(json, UsersJson.Default.ImportJson, report.Errors.Count > 0 && !report.Applied ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK);
        });
    }
}
