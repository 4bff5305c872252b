using System.Net;

namespace Appliance.Core.Lists;

/// <summary>The text formats block lists come in.</summary>
public enum ListFormat
{
    /// <summary>Decide from the first rules: <c>||</c> or <c>@@</c> means adblock, an IP first means hosts.</summary>
    Auto,

    /// <summary><c>0.0.0.0 name [name…]</c> (Steven Black, Block List Project).</summary>
    Hosts,

    /// <summary>One name per line (Block List Project <c>-nl</c>, squidGuard/UT1 <c>domains</c>, HaGeZi wildcard).</summary>
    Domains,

    /// <summary>Adblock DNS subset: <c>||name^</c> blocks a name and its subdomains, <c>@@||name^</c> excepts it.</summary>
    Adblock,
}

/// <summary>What a parse did: how many lines, how many names, and every skipped line counted by reason.</summary>
public sealed class ListParseReport
{
    public const int MaxExamples = 20;

    public string Source { get; init; } = "";

    public ListFormat Format { get; set; }

    public int Lines { get; set; }

    public int Added { get; set; }

    public int Exceptions { get; set; }

    /// <summary>The content is an HTML page (a captive portal or an error page), not a list: refuse it whole.</summary>
    public bool LooksLikeHtml { get; set; }

    public SortedDictionary<string, int> Skipped { get; } = new(StringComparer.Ordinal);

    public List<(int Line, string Reason, string Text)> Examples { get; } = [];

    public int SkippedTotal => Skipped.Values.Sum();

    internal void Skip(int line, string reason, ReadOnlySpan<char> text)
    {
        Skipped[reason] = Skipped.GetValueOrDefault(reason) + 1;
        if (Examples.Count < MaxExamples)
        {
            Examples.Add((line, reason, text.Length > 120 ? string.Concat(text[..117], "...") : text.ToString()));
        }
    }
}

/// <summary>
/// Reads a block list line by line into a <see cref="DomainSetBuilder"/>. It never stops on a bad line: each is
/// skipped, counted by reason and (the first few) kept as examples, so an operator sees what a list contained that
/// DNS cannot enforce. Names are validated (RFC 1035 §2.3.4 lengths; letters, digits, hyphen and the underscore
/// real lists use) and stored lower-case; hosts and plain entries block their subdomains too, as Technitium and
/// Blocky's wildcards do, because a listed site's subdomains serve the same content.
/// </summary>
public static class ListParser
{
    public const string ReasonIp = "IP address, not a name";
    public const string ReasonUrl = "URL: not enforceable by DNS (only its host name could be)";
    public const string ReasonInvalid = "invalid name";
    public const string ReasonSingleLabel = "single-label name (would block a whole top-level domain)";
    public const string ReasonLocal = "local host entry";
    public const string ReasonAdblockUnsupported = "adblock rule DNS cannot enforce (path, regex or options)";
    public const string ReasonCosmetic = "adblock element-hiding rule, not DNS";

    // Looked up by span: a list of a million lines must not make a million strings.
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> LocalNamesBySpan = LocalNames().GetAlternateLookup<ReadOnlySpan<char>>();

    private static HashSet<string> LocalNames() => new(StringComparer.OrdinalIgnoreCase)
    {
        "localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost", "ip6-loopback", "ip6-localnet",
        "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts", "0.0.0.0",
    };

    public static ListParseReport Parse(TextReader reader, string source, ListFormat format, ulong categoryMask, DomainSetBuilder blocks,
        DomainSetBuilder? exceptions = null)
    {
        var report = new ListParseReport { Source = source, Format = format };
        Span<char> name = stackalloc char[256];
        var lineNumber = 0;
        using var lines = new LineReader(reader);
        while (lines.TryReadLine(out var line))
        {
            lineNumber++;
            var text = line.Trim();
            if (lineNumber <= 5 && (text.StartsWith("<!DOCTYPE", StringComparison.OrdinalIgnoreCase) || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase)))
            {
                report.LooksLikeHtml = true;
                report.Lines = lineNumber;
                return report;
            }

            if (report.Format == ListFormat.Auto)
            {
                if (IsComment(text))
                {
                    continue;
                }

                report.Format = Detect(text);
            }

            ParseLine(text, lineNumber, report, categoryMask, blocks, exceptions, name);
        }

        report.Lines = lineNumber;
        return report;
    }

    private static bool IsComment(ReadOnlySpan<char> text)
        => text.IsEmpty || text[0] is '#' or '!' or ';' || (text[0] == '[' && text[^1] == ']');

    private static ListFormat Detect(ReadOnlySpan<char> firstRule)
    {
        if (firstRule.StartsWith("||") || firstRule.StartsWith("@@"))
        {
            return ListFormat.Adblock;
        }

        var space = firstRule.IndexOfAny(' ', '\t');
        return space > 0 && IPAddress.IsValid(firstRule[..space]) ? ListFormat.Hosts : ListFormat.Domains;
    }

    private static void ParseLine(ReadOnlySpan<char> text, int line, ListParseReport report, ulong mask, DomainSetBuilder blocks,
        DomainSetBuilder? exceptions, Span<char> name)
    {
        if (IsComment(text))
        {
            return;
        }

        var hash = text.IndexOf('#');
        if (hash > 0 && report.Format != ListFormat.Adblock)
        {
            text = text[..hash].TrimEnd();   // trailing comment
        }

        switch (report.Format)
        {
            case ListFormat.Hosts:
                var space = text.IndexOfAny(' ', '\t');
                if (space < 0 || !IPAddress.IsValid(text[..space]))
                {
                    AddName(text, line, report, mask, blocks, name);   // a plain name in a hosts file: accept it
                    return;
                }

                var rest = text[space..].Trim();
                while (!rest.IsEmpty)
                {
                    var end = rest.IndexOfAny(' ', '\t');
                    AddName(end < 0 ? rest : rest[..end], line, report, mask, blocks, name);
                    rest = end < 0 ? default : rest[end..].TrimStart();
                }

                return;
            case ListFormat.Adblock:
                ParseAdblock(text, line, report, mask, blocks, exceptions, name);
                return;
            default:
                var first = text.IndexOfAny(' ', '\t');
                AddName(first < 0 ? text : text[..first], line, report, mask, blocks, name);
                return;
        }
    }

    private static void ParseAdblock(ReadOnlySpan<char> text, int line, ListParseReport report, ulong mask, DomainSetBuilder blocks,
        DomainSetBuilder? exceptions, Span<char> name)
    {
        if (text.Contains("##", StringComparison.Ordinal) || text.Contains("#@#", StringComparison.Ordinal) || text.Contains("#?#", StringComparison.Ordinal))
        {
            report.Skip(line, ReasonCosmetic, text);
            return;
        }

        var exception = text.StartsWith("@@");
        var rule = exception ? text[2..] : text;
        if (!rule.StartsWith("||"))
        {
            report.Skip(line, ReasonAdblockUnsupported, text);
            return;
        }

        rule = rule[2..];
        var dollar = rule.IndexOf('$');
        if (dollar >= 0)
        {
            // DNS-level options that change nothing for a whole-name block are accepted; others are not ours.
            var options = rule[(dollar + 1)..];
            if (!options.Equals("important", StringComparison.OrdinalIgnoreCase) && !options.Equals("all", StringComparison.OrdinalIgnoreCase)
                && !options.Equals("document", StringComparison.OrdinalIgnoreCase))
            {
                report.Skip(line, ReasonAdblockUnsupported, text);
                return;
            }

            rule = rule[..dollar];
        }

        if (rule.EndsWith('^'))
        {
            rule = rule[..^1];
        }

        if (rule.IndexOfAny('/', '*', '^') >= 0)
        {
            report.Skip(line, ReasonAdblockUnsupported, text);
            return;
        }

        if (exception)
        {
            if (exceptions is not null && Normalize(rule, name, out var length, out _) is null)
            {
                exceptions.Add(name[..length], mask);
                report.Exceptions++;
            }
            else if (exceptions is not null)
            {
                report.Skip(line, ReasonInvalid, text);
            }

            return;
        }

        AddName(rule, line, report, mask, blocks, name);
    }

    private static void AddName(ReadOnlySpan<char> token, int line, ListParseReport report, ulong mask, DomainSetBuilder blocks, Span<char> name)
    {
        var problem = Normalize(token, name, out var length, out _);
        if (problem is not null)
        {
            if (!ReferenceEquals(problem, ReasonLocal))
            {
                report.Skip(line, problem, token);
            }

            return;
        }

        blocks.Add(name[..length], mask);
        report.Added++;
    }

    /// <summary>
    /// Checks a list token and writes the lower-cased name without a trailing dot or a leading "*." (a wildcard
    /// means the same as a plain entry here). Returns null when it is a valid name, else the reason it is not.
    /// </summary>
    public static string? Normalize(ReadOnlySpan<char> token, Span<char> name, out int length, out bool wildcard)
    {
        length = 0;
        wildcard = token.StartsWith("*.");
        if (wildcard)
        {
            token = token[2..];
        }

        if (token.Contains("://", StringComparison.Ordinal) || token.IndexOf('/') > 0)
        {
            return ReasonUrl;
        }

        token = token.TrimEnd('.');
        if (LocalNamesBySpan.Contains(token))
        {
            return ReasonLocal;
        }

        if (IPAddress.IsValid(token))
        {
            return ReasonIp;
        }

        if (token.IsEmpty || token.Length > 253)
        {
            return ReasonInvalid;
        }

        var label = 0;
        var labels = 1;
        foreach (var c in token)
        {
            if (c == '.')
            {
                if (label == 0)
                {
                    return ReasonInvalid;
                }

                label = 0;
                labels++;
            }
            else if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                if (++label > 63)
                {
                    return ReasonInvalid;
                }
            }
            else
            {
                return ReasonInvalid;   // includes non-ASCII: lists carry IDNs as A-labels (xn--)
            }

            name[length++] = char.ToLowerInvariant(c);
        }

        if (label == 0)
        {
            return ReasonInvalid;
        }

        return labels < 2 ? ReasonSingleLabel : null;
    }
}
