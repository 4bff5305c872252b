using System.Text;

namespace Appliance.Radius.Users.Import;

/// <summary>One CSV record: the physical line it starts on (quoted fields may span lines), its fields, or what is wrong with it.</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields, string? Error)
{
    public bool IsBlank => Fields.Count == 1 && Fields[0].Length == 0;
}

/// <summary>
/// RFC 4180 CSV as MIS exports write it: comma-separated, fields optionally in double quotes, a quote inside a quoted
/// field doubled (§2 rule 7), line breaks inside quoted fields kept (§2 rule 6), CRLF or bare LF/CR record ends. A
/// malformed record is returned with its error, and reading goes on, so that every bad line can be reported at once.
/// </summary>
public static class CsvReader
{
    public static IEnumerable<CsvRecord> Read(TextReader reader)
    {
        var line = 1;
        var start = 1;
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var afterQuote = false;
        string? error = null;
        int next;
        while ((next = reader.Read()) != -1)
        {
            var c = (char)next;
            if (quoted)
            {
                if (c != '"')
                {
                    line += c == '\n' ? 1 : 0;
                    field.Append(c);
                }
                else if (reader.Peek() == '"')
                {
                    reader.Read();
                    field.Append('"');
                }
                else
                {
                    quoted = false;
                    afterQuote = true;
                }

                continue;
            }

            if (c == '\r' && reader.Peek() == '\n')
            {
                continue;
            }

            if (c is '\n' or '\r')
            {
                fields.Add(field.ToString());
                yield return new CsvRecord(start, fields, error);
                (fields, error, afterQuote) = ([], null, false);
                field.Clear();
                start = ++line;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                afterQuote = false;
            }
            else if (c == '"' && field.Length == 0 && !afterQuote)
            {
                quoted = true;
            }
            else
            {
                error ??= c == '"' ? "a quote inside an unquoted field (RFC 4180 §2: quote the whole field and double the quote)"
                    : afterQuote ? "text after a closing quote (RFC 4180 §2)" : null;
                field.Append(c);
            }
        }

        if (quoted)
        {
            error = "a quoted field is not closed before the end of the file";
        }

        if (fields.Count > 0 || field.Length > 0 || quoted || afterQuote)
        {
            fields.Add(field.ToString());
            yield return new CsvRecord(start, fields, error);
        }
    }

    /// <summary>A field as RFC 4180 wants it written: quoted when it holds a comma, a quote or a line break.</summary>
    public static string Quote(string field)
        => field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
