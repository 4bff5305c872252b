using System.Globalization;

namespace Appliance.Radius.Users.Import;

/// <summary>One good line of an import: the user it describes, and the password it gives (null: keep, or generate for a new user).</summary>
public sealed record ImportRow(int Line, NewUser User, string? Password);

/// <summary>A line that cannot be imported, and why.</summary>
public sealed record ImportLineError(int Line, string Message)
{
    public override string ToString() => $"line {Line}: {Message}";
}

/// <summary>
/// Reads a CSV export of the school's MIS (SIMS, Arbor, Bromcom… each names its columns differently). The header line
/// says which column is which; names are matched without case, spaces, '-' or '_', with the usual aliases. Only a
/// user-name column is required. Columns it does not know are reported and ignored.
/// </summary>
public static class UserCsv
{
    private enum Column
    {
        Name,
        Kind,
        FirstName,
        LastName,
        YearGroup,
        Group,
        Password,
    }

    private static readonly Dictionary<string, Column> Aliases = new(StringComparer.Ordinal)
    {
        ["username"] = Column.Name, ["user"] = Column.Name, ["login"] = Column.Name, ["userid"] = Column.Name, ["account"] = Column.Name,
        ["kind"] = Column.Kind, ["role"] = Column.Kind, ["type"] = Column.Kind, ["usertype"] = Column.Kind,
        ["firstname"] = Column.FirstName, ["forename"] = Column.FirstName, ["givenname"] = Column.FirstName, ["preferredforename"] = Column.FirstName,
        ["lastname"] = Column.LastName, ["surname"] = Column.LastName, ["familyname"] = Column.LastName, ["legalsurname"] = Column.LastName,
        ["year"] = Column.YearGroup, ["yeargroup"] = Column.YearGroup, ["ncyear"] = Column.YearGroup, ["curriculumyear"] = Column.YearGroup,
        ["group"] = Column.Group, ["policygroup"] = Column.Group,
        ["password"] = Column.Password,
    };

    /// <summary>The file's good rows, its bad lines, and the header columns it ignored.</summary>
    public sealed record Parsed(IReadOnlyList<ImportRow> Rows, IReadOnlyList<ImportLineError> Errors, IReadOnlyList<string> IgnoredColumns);

    /// <summary>Reads every line; <paramref name="defaultKind"/> is the kind of a line without a kind column or value (e.g. a pupils-only export).</summary>
    public static Parsed Parse(TextReader csv, UserKind? defaultKind, UserStoreOptions options, DateTimeOffset now)
    {
        var rows = new List<ImportRow>();
        var errors = new List<ImportLineError>();
        var ignored = new List<string>();
        var columns = new Dictionary<Column, int>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in CsvReader.Read(csv))
        {
            if (record.Error is { } error)
            {
                errors.Add(new ImportLineError(record.Line, error));
                if (columns.Count == 0)
                {
                    return new Parsed([], errors, ignored);
                }
            }
            else if (record.IsBlank)
            {
                continue;
            }
            else if (columns.Count == 0)
            {
                if (!ReadHeader(record, columns, ignored, errors))
                {
                    return new Parsed([], errors, ignored);
                }
            }
            else
            {
                try
                {
                    var row = ReadRow(record, columns, defaultKind, options, now);
                    if (firstLine.TryGetValue(row.User.Name, out var earlier))
                    {
                        errors.Add(new ImportLineError(record.Line, $"{row.User.Name} is already on line {earlier}"));
                        continue;
                    }

                    firstLine[row.User.Name] = record.Line;
                    rows.Add(row);
                }
                catch (UserInputException ex)
                {
                    errors.Add(new ImportLineError(record.Line, ex.Message));
                }
            }
        }

        if (columns.Count == 0 && errors.Count == 0)
        {
            errors.Add(new ImportLineError(1, "the file is empty; the first line must name the columns (e.g. username,kind,year,group)"));
        }

        return new Parsed(rows, errors, ignored);
    }

    private static bool ReadHeader(CsvRecord header, Dictionary<Column, int> columns, List<string> ignored, List<ImportLineError> errors)
    {
        for (var i = 0; i < header.Fields.Count; i++)
        {
            var text = header.Fields[i].Trim().TrimStart('\uFEFF');
            var key = new string([.. text.ToLowerInvariant().Where(c => c is not (' ' or '-' or '_'))]);
            if (!Aliases.TryGetValue(key, out var column))
            {
                ignored.Add(text);
            }
            else if (!columns.TryAdd(column, i))
            {
                errors.Add(new ImportLineError(header.Line, $"two columns mean {column} ('{header.Fields[columns[column]]}' and '{text}')"));
                return false;
            }
        }

        if (!columns.ContainsKey(Column.Name))
        {
            errors.Add(new ImportLineError(header.Line, "no user-name column: the first line must name the columns, one of them 'username' (or user, login)"));
            columns.Clear();
            return false;
        }

        return true;
    }

    private static ImportRow ReadRow(CsvRecord record, Dictionary<Column, int> columns, UserKind? defaultKind, UserStoreOptions options, DateTimeOffset now)
    {
        string? Field(Column column) => columns.TryGetValue(column, out var i) && i < record.Fields.Count && record.Fields[i].Trim() is { Length: > 0 } value ? value : null;

        if (record.Fields.Count > columns.Values.Max() + 1 + 16)
        {
            throw new UserInputException($"{record.Fields.Count} fields, far more than the header's; is a field's comma not quoted?");
        }

        var kind = Field(Column.Kind) is { } kindText ? ParseKind(kindText) : defaultKind
            ?? throw new UserInputException("no kind: add a kind (or role) column, or say which kind the whole file is");
        var user = new NewUser
        {
            Name = Field(Column.Name) ?? throw new UserInputException("the user name is empty"),
            Kind = kind,
            Group = Field(Column.Group),
            YearGroup = Field(Column.YearGroup) is { } year ? ParseYear(year) : null,
            FirstName = Field(Column.FirstName),
            LastName = Field(Column.LastName),
        };
        var valid = UserValidation.Validate(user, options, now);
        var password = columns.TryGetValue(Column.Password, out var p) && p < record.Fields.Count && record.Fields[p].Length > 0 ? record.Fields[p] : null;
        if (password is not null)
        {
            PasswordRules.Check(valid.Name, valid.Kind, password, options.Passwords);
        }

        return new ImportRow(record.Line, valid, password);
    }

    private static UserKind ParseKind(string text) => text.ToLowerInvariant() switch
    {
        "staff" or "teacher" or "employee" or "support staff" => UserKind.Staff,
        "pupil" or "student" or "learner" => UserKind.Pupil,
        "guest" => throw new UserInputException("guests are not imported; make them with `appliance users guest` (they need a sponsor and an expiry)"),
        _ => throw new UserInputException($"kind '{UserNames.Printable(text)}' is not staff or pupil (or teacher, student)"),
    };

    // "7", "Year 7", "Y7", "Yr 7", "R" / "Reception" (year 0).
    private static int ParseYear(string text)
    {
        var lower = text.ToLowerInvariant();
        if (lower is "r" or "reception")
        {
            return 0;
        }

        var digits = lower.TrimStart("yearyr ".ToCharArray());
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            ? year
            : throw new UserInputException($"year group '{UserNames.Printable(text)}' is not a number (e.g. 7, Year 7, Y7 or R)");
    }
}
