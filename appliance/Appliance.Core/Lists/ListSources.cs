namespace Appliance.Core.Lists;

/// <summary>The outcome of compiling several sources: the sets and one report per source.</summary>
public sealed record CompiledLists(DomainSet Blocks, DomainSet Exceptions, IReadOnlyList<ListParseReport> Reports);

/// <summary>
/// Reads list files and squidGuard/UT1 folders (<c>&lt;category&gt;/domains</c>; <c>urls</c> files are counted and
/// reported as not enforceable by DNS) into one compiled set.
/// </summary>
public static class ListSources
{
    public const string ReasonUrlsFile = "squidGuard urls entry: URL paths are not enforceable by DNS";

    /// <summary>A source: a file or folder, and its category (null: inferred from the list's own name).</summary>
    public sealed record Source(string Path, Category? Category)
    {
        /// <summary>
        /// Reads "FILE" or "FILE:CATEGORY" as written on the command line. A colon followed by a path (a '/') is
        /// part of the file name, not a category. False with the reason when the category is unknown.
        /// </summary>
        public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Source? source,
            [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
        {
            source = null;
            problem = null;
            var colon = text.LastIndexOf(':');
            if (colon <= 0 || text[(colon + 1)..].Contains('/'))
            {
                source = new Source(text, null);
                return true;
            }

            if (!Categories.TryParse(text[(colon + 1)..], out var category))
            {
                problem = $"'{text[(colon + 1)..]}' is not a category; one of: {string.Join(", ", Enum.GetValues<Category>().Select(Categories.Name))}";
                return false;
            }

            source = new Source(text[..colon], category);
            return true;
        }
    }

    /// <exception cref="InvalidDataException">A source is HTML, or its category cannot be told; the message says which.</exception>
    /// <exception cref="FileNotFoundException">A source does not exist.</exception>
    public static CompiledLists Compile(IEnumerable<Source> sourceList)
    {
        var sources = sourceList.ToList();
        // Sized from the files (about 24 bytes a line) so that the builder does not grow, and copy, as it fills.
        var bytes = sources.Where(s => File.Exists(s.Path)).Sum(s => new FileInfo(s.Path).Length);
        var blocks = new DomainSetBuilder((int)Math.Min(bytes / 24, 4_000_000));
        var exceptions = new DomainSetBuilder();
        var reports = new List<ListParseReport>();
        foreach (var source in sources)
        {
            if (Directory.Exists(source.Path))
            {
                reports.AddRange(ReadSquidGuard(source.Path, source.Category, blocks, exceptions));
            }
            else if (File.Exists(source.Path))
            {
                var category = source.Category ?? Infer(source.Path, System.IO.Path.GetFileNameWithoutExtension(source.Path));
                reports.Add(ReadFile(source.Path, source.Path, Categories.Bit(category), blocks, exceptions));
            }
            else
            {
                throw new FileNotFoundException($"{source.Path}: no such list file or folder", source.Path);
            }
        }

        return new CompiledLists(blocks.Build(), exceptions.Build(), reports);
    }

    private static ListParseReport ReadFile(string path, string label, ulong mask, DomainSetBuilder blocks, DomainSetBuilder exceptions)
    {
        using var reader = File.OpenText(path);
        var report = ListParser.Parse(reader, label, ListFormat.Auto, mask, blocks, exceptions);
        if (report.LooksLikeHtml)
        {
            throw new InvalidDataException($"{label}: is an HTML page, not a block list (a captive portal or an error page?)");
        }

        return report;
    }

    private static List<ListParseReport> ReadSquidGuard(string folder, Category? only, DomainSetBuilder blocks, DomainSetBuilder exceptions)
    {
        var reports = new List<ListParseReport>();
        foreach (var dir in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(dir);
            var domains = System.IO.Path.Combine(dir, "domains");
            var urls = System.IO.Path.Combine(dir, "urls");
            if (!File.Exists(domains) && !File.Exists(urls))
            {
                continue;
            }

            if (only is null && !Categories.TryFromListName(name, out _))
            {
                var skipped = new ListParseReport { Source = dir };
                skipped.Skip(0, $"folder '{name}' maps to no category (name it with DIR:CATEGORY)", name);
                reports.Add(skipped);
                continue;
            }

            var category = only ?? Infer(dir, name);
            var report = File.Exists(domains)
                ? ReadFile(domains, domains, Categories.Bit(category), blocks, exceptions)
                : new ListParseReport { Source = domains };
            if (File.Exists(urls))
            {
                foreach (var line in File.ReadLines(urls))
                {
                    if (!string.IsNullOrWhiteSpace(line) && !line.TrimStart().StartsWith('#'))
                    {
                        report.Skip(0, ReasonUrlsFile, line);
                    }
                }
            }

            reports.Add(report);
        }

        return reports;
    }

    private static Category Infer(string path, string name)
        => Categories.TryFromListName(name, out var category)
            ? category
            : throw new InvalidDataException($"{path}: cannot tell the category from the name '{name}'; give it as {path}:CATEGORY");
}
