using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Appliance.Radius.Users;

/// <summary>
/// User and group names. A user name is stored canonical (lower case, so "J.Smith" and "j.smith" are one account)
/// and must be an RFC 7542 NAI: at most 253 octets (§2.3, also the RADIUS User-Name attribute's limit), no
/// control characters, no spaces, none of the characters §2.2 leaves out of utf8-atext (" ( ) , : ; &lt; &gt; [ \ ]),
/// dots only between characters, and at most one "@" before a realm.
/// </summary>
public static class UserNames
{
    public const int MaxNameBytes = 253;
    public const int MaxGroupLength = 64;
    public const int MaxTextLength = 200;

    /// <summary>
    /// The name a supplicant typed, as the store's key: a Windows <c>DOMAIN\</c> prefix is dropped (RFC 2759 §4 does the
    /// same for the MSCHAPv2 challenge hash); the store canonicalises the rest.
    /// </summary>
    public static string ForLookup(string identity)
    {
        var slash = identity.LastIndexOf('\\');
        return slash >= 0 ? identity[(slash + 1)..] : identity;
    }

    /// <summary>For the RADIUS hot path: false (never a throw) when <paramref name="text"/> cannot be a stored name.</summary>
    public static bool TryCanonicalize(string? text, [NotNullWhen(true)] out string? canonical, out string? problem)
    {
        canonical = null;
        problem = Problem(text);
        if (problem is not null)
        {
            return false;
        }

        canonical = text!.ToLowerInvariant();
        return true;
    }

    /// <exception cref="UserInputException">The name is not valid; the message says why.</exception>
    public static string Canonicalize(string? text)
        => TryCanonicalize(text, out var canonical, out var problem) ? canonical : throw new UserInputException($"user name '{Printable(text)}': {problem}");

    /// <summary>A policy group name: 1–64 characters of letters, digits, '-', '_' and '.' (as policy files name groups).</summary>
    /// <exception cref="UserInputException">The group name is not valid.</exception>
    public static string Group(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxGroupLength
            || !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new UserInputException($"group '{Printable(text)}': must be 1–{MaxGroupLength} letters, digits, '-', '_' or '.'");
        }

        return text.ToLowerInvariant();
    }

    /// <summary>Free text (first and last names, a guest's sponsor and reason): trimmed, bounded, no control characters; empty becomes null.</summary>
    /// <exception cref="UserInputException">The text is too long or holds control characters.</exception>
    public static string? Text(string field, string? text)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        if (trimmed.Length > MaxTextLength || trimmed.Any(char.IsControl))
        {
            throw new UserInputException($"{field}: must be at most {MaxTextLength} characters without control characters");
        }

        return trimmed;
    }

    /// <summary>The text with control characters shown as '?', for an error message that must not break a terminal or a log line.</summary>
    public static string Printable(string? text)
        => text is null ? "" : new string([.. text.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);

    private static string? Problem(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "is empty";
        }

        if (Encoding.UTF8.GetByteCount(text) > MaxNameBytes)
        {
            return $"is longer than {MaxNameBytes} octets (RFC 7542 §2.3)";
        }

        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                return "holds a control character";
            }

            if (char.IsWhiteSpace(c))
            {
                return "holds a space";
            }

            if (c is '"' or '(' or ')' or ',' or ':' or ';' or '<' or '>' or '[' or '\\' or ']')
            {
                return $"holds '{c}', which RFC 7542 §2.2 does not allow in a user name";
            }
        }

        if (text[0] == '.' || text[^1] == '.' || text.Contains("..", StringComparison.Ordinal) || text.Contains(".@", StringComparison.Ordinal))
        {
            return "has a dot at the start, at the end or next to another dot";
        }

        var at = text.IndexOf('@', StringComparison.Ordinal);
        return at == 0 || at == text.Length - 1 || (at > 0 && text.IndexOf('@', at + 1) >= 0)
            ? "has an '@' that does not separate a name from a realm"
            : null;
    }
}
