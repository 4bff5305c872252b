using System.Security.Cryptography;
using System.Text;

namespace Appliance.Radius.Users;

/// <summary>
/// The password policy (NCSC guidance: a minimum length and a deny list, no composition rules) and the generator
/// for vouchers and imports.
/// </summary>
public static class PasswordRules
{
    /// <summary>No 0/O, 1/l/I, 5/S: a voucher is read aloud and typed on a phone.</summary>
    public const string UnambiguousAlphabet = "abcdefghjkmnpqrstuvwxyz2346789";
    public const int GeneratedLength = 10;

    // A short deny list: passwords at the top of published breach-corpus lists that meet the minimum length, and
    // the seasonal and school-themed ones a school sees. Small on purpose; length does most of the work.
    private static readonly HashSet<string> Common = new(StringComparer.Ordinal)
    {
        "password", "password1", "password12", "password123", "passw0rd", "p@ssw0rd", "p@ssword", "12345678", "123456789",
        "1234567890", "12345678910", "87654321", "11111111", "00000000", "qwertyui", "qwerty123", "qwertyuiop", "1q2w3e4r",
        "1qaz2wsx", "zaq12wsx", "asdfghjk", "asdfghjkl", "iloveyou", "iloveyou1", "football", "football1", "liverpool",
        "chelsea1", "arsenal1", "manchester", "manutd99", "baseball", "superman", "princess", "sunshine", "starwars",
        "whatever", "trustno1", "letmein1", "letmein123", "welcome1", "welcome123", "changeme", "changeme1", "abcd1234",
        "abc12345", "monkey123", "dragon123", "minecraft", "fortnite", "pokemon1", "computer", "internet", "school123",
        "school1234", "teacher1", "student1", "student123", "pupil123", "welcome2school", "summer2024", "summer2025",
        "summer2026", "winter2025", "autumn2025", "spring2026", "september", "qwerty12345", "aa123456", "charlie1",
    };

    /// <exception cref="UserInputException">The password is too short or long, contains the user name, or is a common one.</exception>
    public static void Check(string userName, UserKind kind, string password, PasswordPolicy policy)
    {
        var min = policy.MinLength(kind);
        if (password.Length < min)
        {
            throw new UserInputException($"password for {userName}: must be at least {min} characters for {Describe(kind)}");
        }

        if (Encoding.UTF8.GetByteCount(password) > PasswordPolicy.MaxLengthBytes)
        {
            throw new UserInputException($"password for {userName}: must be at most {PasswordPolicy.MaxLengthBytes} octets (RFC 2865 §5.2)");
        }

        if (password.Any(char.IsControl))
        {
            throw new UserInputException($"password for {userName}: holds a control character");
        }

        // The name without a realm, so "j.smith@school" cannot use "j.smith2024".
        var local = userName.Split('@')[0];
        if (local.Length >= 3 && password.Contains(local, StringComparison.OrdinalIgnoreCase))
        {
            throw new UserInputException($"password for {userName}: must not contain the user name");
        }

        if (Common.Contains(password.ToLowerInvariant()))
        {
            throw new UserInputException($"password for {userName}: is one of the most common passwords");
        }
    }

    /// <summary>Characters from <see cref="UnambiguousAlphabet"/> (10 give about 49 bits), from the system's CSPRNG.</summary>
    public static string Generate(int length = GeneratedLength) => RandomNumberGenerator.GetString(UnambiguousAlphabet, length);

    public static string Describe(UserKind kind) => kind switch
    {
        UserKind.Staff => "staff",
        UserKind.Pupil => "pupils",
        _ => "guests",
    };
}
