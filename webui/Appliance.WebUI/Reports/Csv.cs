using System.Text;

namespace Appliance.WebUI.Reports;

/// <summary>
/// CSV as RFC 4180 has it: CRLF after every record, a field with a comma, quote, CR or LF in double quotes with its
/// quotes doubled. A cell that a spreadsheet would read as a formula (starting = + - @, or tab or CR, OWASP "CSV
/// injection") gets a leading apostrophe, so an attacker-chosen name (a blocked domain, an actor, a reason) stays text.
/// </summary>
public static class Csv
{
    public static string Write(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var text = new StringBuilder();
        Record(text, header);
        foreach (var row in rows)
        {
            Record(text, row);
        }

        return text.ToString();
    }

    public static string Field(string cell)
    {
        if (cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            cell = "'" + cell;
        }

        return cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
    }

    private static void Record(StringBuilder text, IReadOnlyList<string> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(Field(cells[i]));
        }

        text.Append("\r\n");
    }
}
