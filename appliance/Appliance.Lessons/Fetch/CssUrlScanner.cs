using System.Text;

namespace Appliance.Lessons.Fetch;

/// <summary>One URL a stylesheet refers to: where it sits in the text (to rewrite it) and its unescaped value.</summary>
/// <param name="Start">Offset of the token: the whole <c>url(…)</c> token, or the string token with its quotes.</param>
/// <param name="Length">Length of that token in the text.</param>
/// <param name="Value">The URL after CSS escapes were undone.</param>
/// <param name="IsImport">True for an @import's target (a stylesheet), false for any other url().</param>
public readonly record struct CssUrlReference(int Start, int Length, string Value, bool IsImport);

/// <summary>
/// Finds the URLs in a stylesheet (or a style attribute, or a style element's text) by tokenizing it as CSS
/// Syntax Level 3 §4.3 does, only as far as URLs need: comments, strings (§4.3.5), escapes (§4.3.7), names,
/// <c>url(</c> unquoted (the url token, §4.3.6, with bad-url remnants §4.3.14) or quoted (a function token then a
/// string), and <c>@import</c> followed by a string or url. Chosen over AngleSharp.Css because rewriting needs the
/// exact offsets in the original text (the CSSOM re-serialises and drops what it does not know) and this is
/// linear, allocation-light and has nothing for the trimmer to lose. Hostile input (unterminated url( or string,
/// megabytes without a delimiter) ends at the end of the text: every loop advances at least one character.
/// </summary>
public static class CssUrlScanner
{
    /// <summary>At most this many references are reported for one text: a sheet with more is not a lesson's.</summary>
    public const int MaxReferences = 10_000;

    public static List<CssUrlReference> Scan(string css)
    {
        var found = new List<CssUrlReference>();
        var afterImport = false;
        var i = 0;
        while (i < css.Length && found.Count < MaxReferences)
        {
            var c = css[i];
            if (c == '/' && At(css, i + 1) == '*')
            {
                var end = css.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? css.Length : end + 2;
                continue;
            }

            if (IsWhitespace(c))
            {
                i++;
                continue;
            }

            if (c is '"' or '\'')
            {
                var start = i;
                var value = ConsumeString(css, ref i);
                if (afterImport && value is not null)
                {
                    found.Add(new CssUrlReference(start, i - start, value, IsImport: true));
                }

                afterImport = false;
                continue;
            }

            if (c == '@' && StartsIdent(css, i + 1))
            {
                i++;
                var name = ConsumeName(css, ref i);
                afterImport = name.Equals("import", StringComparison.OrdinalIgnoreCase);
                continue;
            }

            if (StartsIdent(css, i) || char.IsAsciiDigit(c))
            {
                var start = i;
                var name = ConsumeName(css, ref i);
                if (At(css, i) == '(' && name.Equals("url", StringComparison.OrdinalIgnoreCase))
                {
                    i++;
                    UrlFunction(css, start, ref i, afterImport, found);
                }

                afterImport = false;
                continue;
            }

            afterImport = false;
            i++;
        }

        return found;
    }

    /// <summary>After <c>url(</c>: §4.3.6 when unquoted, else the string argument of a url() function.</summary>
    private static void UrlFunction(string css, int start, ref int i, bool isImport, List<CssUrlReference> found)
    {
        while (i < css.Length && IsWhitespace(css[i]))
        {
            i++;
        }

        if (At(css, i) is '"' or '\'')
        {
            var stringStart = i;
            var quoted = ConsumeString(css, ref i);
            if (quoted is not null)
            {
                found.Add(new CssUrlReference(stringStart, i - stringStart, quoted, isImport));
            }

            return;
        }

        var value = new StringBuilder();
        while (true)
        {
            if (i >= css.Length)
            {
                // §4.3.6: EOF is a parse error, but the url token is still returned.
                found.Add(new CssUrlReference(start, i - start, value.ToString(), isImport));
                return;
            }

            var c = css[i];
            if (c == ')')
            {
                i++;
                found.Add(new CssUrlReference(start, i - start, value.ToString(), isImport));
                return;
            }

            if (IsWhitespace(c))
            {
                while (i < css.Length && IsWhitespace(css[i]))
                {
                    i++;
                }

                if (i >= css.Length || css[i] == ')')
                {
                    continue;
                }

                ConsumeBadUrlRemnants(css, ref i);
                return;
            }

            if (c is '"' or '\'' or '(' || IsNonPrintable(c))
            {
                ConsumeBadUrlRemnants(css, ref i);
                return;
            }

            if (c == '\\')
            {
                if (!IsValidEscape(css, i))
                {
                    ConsumeBadUrlRemnants(css, ref i);
                    return;
                }

                i++;
                value.Append(ConsumeEscaped(css, ref i));
                continue;
            }

            value.Append(c);
            i++;
        }
    }

    /// <summary>§4.3.5. Returns null for a bad string (a raw newline): it is not a URL.</summary>
    private static string? ConsumeString(string css, ref int i)
    {
        var ending = css[i++];
        var value = new StringBuilder();
        while (i < css.Length)
        {
            var c = css[i];
            if (c == ending)
            {
                i++;
                return value.ToString();
            }

            if (IsNewline(c))
            {
                return null;
            }

            if (c == '\\')
            {
                if (i + 1 >= css.Length)
                {
                    i++;
                    continue;
                }

                if (IsNewline(css[i + 1]))
                {
                    i += css[i + 1] == '\r' && At(css, i + 2) == '\n' ? 3 : 2;
                    continue;
                }

                i++;
                value.Append(ConsumeEscaped(css, ref i));
                continue;
            }

            value.Append(c);
            i++;
        }

        // EOF inside a string: a parse error, the string is returned as it is.
        return value.ToString();
    }

    /// <summary>§4.3.7, with <paramref name="i"/> just after the backslash.</summary>
    private static string ConsumeEscaped(string css, ref int i)
    {
        if (i >= css.Length)
        {
            return "\uFFFD";
        }

        if (!char.IsAsciiHexDigit(css[i]))
        {
            // A surrogate pair stays whole.
            var take = char.IsHighSurrogate(css[i]) && i + 1 < css.Length && char.IsLowSurrogate(css[i + 1]) ? 2 : 1;
            var escaped = css.Substring(i, take);
            i += take;
            return escaped;
        }

        var code = 0;
        var digits = 0;
        while (digits < 6 && i < css.Length && char.IsAsciiHexDigit(css[i]))
        {
            code = (code * 16) + HexValue(css[i]);
            digits++;
            i++;
        }

        if (i < css.Length && IsWhitespace(css[i]))
        {
            i += css[i] == '\r' && At(css, i + 1) == '\n' ? 2 : 1;
        }

        return code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF) ? "\uFFFD" : char.ConvertFromUtf32(code);
    }

    /// <summary>§4.3.14: skip to the closing parenthesis (or the end), stepping over escapes.</summary>
    private static void ConsumeBadUrlRemnants(string css, ref int i)
    {
        while (i < css.Length)
        {
            if (css[i] == ')')
            {
                i++;
                return;
            }

            if (IsValidEscape(css, i))
            {
                i++;
                ConsumeEscaped(css, ref i);
                continue;
            }

            i++;
        }
    }

    /// <summary>§4.3.12 (a name), leaving <paramref name="i"/> on the first character that is not part of it.</summary>
    private static string ConsumeName(string css, ref int i)
    {
        var name = new StringBuilder();
        while (i < css.Length)
        {
            var c = css[i];
            if (IsNameCodePoint(c))
            {
                name.Append(c);
                i++;
            }
            else if (IsValidEscape(css, i))
            {
                i++;
                name.Append(ConsumeEscaped(css, ref i));
            }
            else
            {
                break;
            }
        }

        return name.ToString();
    }

    /// <summary>§4.3.9, loosely: a name start, a hyphen, or an escape.</summary>
    private static bool StartsIdent(string css, int i) =>
        i < css.Length && (IsNameStart(css[i]) || css[i] == '-' || IsValidEscape(css, i));

    private static bool IsValidEscape(string css, int i) => At(css, i) == '\\' && i + 1 < css.Length && !IsNewline(css[i + 1]);

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_' || c >= 0x80;

    private static bool IsNameCodePoint(char c) => IsNameStart(c) || char.IsAsciiDigit(c) || c == '-';

    private static bool IsNewline(char c) => c is '\n' or '\r' or '\f';

    private static bool IsWhitespace(char c) => c is ' ' or '\t' || IsNewline(c);

    private static bool IsNonPrintable(char c) => c <= '\u0008' || c == '\u000B' || (c >= '\u000E' && c <= '\u001F') || c == '\u007F';

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static char At(string s, int i) => i < s.Length ? s[i] : '\0';
}
