using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Radius.Users;

namespace Appliance.WebUI.Users;

/// <summary>A user as the API shows them (never a password or a hash).</summary>
public sealed record UserJson(string Name, string Kind, string Group, int? YearGroup, string? FirstName, string? LastName, string? Sponsor, string? Reason,
    DateTimeOffset? ExpiresAt, bool Enabled, bool NtHash, DateTimeOffset? LockedUntil, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static UserJson Of(UserRecord u) => new(u.Name, UserKinds.Name(u.Kind), u.Group, u.YearGroup, u.FirstName, u.LastName, u.Sponsor, u.Reason,
        u.ExpiresAt, u.Enabled, u.HasNtHash, u.LockedUntil, u.CreatedAt, u.UpdatedAt);
}

public sealed record UserListJson(int Total, IReadOnlyList<UserJson> Users);

/// <summary>A staff member or pupil to add; without a password one is generated and returned once.</summary>
public sealed record NewUserJson(string Name, string Kind, string? Group, int? YearGroup, string? FirstName, string? LastName, string? Password, bool PapOnly = false);

/// <summary>A guest to add. The sponsor is the caller unless a technician names another; the expiry is given as hours or a time (at most 30 days).</summary>
public sealed record NewGuestJson(string? Name, string? Sponsor, string? Reason, double? Hours, DateTimeOffset? ExpiresAt, string? Group);

/// <summary>A new user or guest and, when it was generated, the password (returned this once, never stored in clear).</summary>
public sealed record CreatedJson(UserJson User, string? Password);

public sealed record PasswordJson(string Password);

public sealed record ImportErrorJson(int Line, string Message);

/// <summary>What an import did or (dry run, or refused for bad lines) would do; <see cref="Passwords"/> is the generated passwords' CSV, this once.</summary>
public sealed record ImportJson(int Added, int Updated, int Unchanged, int PasswordsGenerated, IReadOnlyList<ImportErrorJson> Errors,
    IReadOnlyList<string> IgnoredColumns, bool Applied, string? Passwords);

public sealed record ApiErrorJson(string Error);

/// <summary>The API's JSON, generated at build time (Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UserListJson))]
[JsonSerializable(typeof(NewUserJson))]
[JsonSerializable(typeof(NewGuestJson))]
[JsonSerializable(typeof(CreatedJson))]
[JsonSerializable(typeof(PasswordJson))]
[JsonSerializable(typeof(ImportJson))]
[JsonSerializable(typeof(ApiErrorJson))]
[JsonSerializable(typeof(UserJson))]
internal sealed partial class UsersJson : JsonSerializerContext;
