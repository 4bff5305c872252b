using System.Text.RegularExpressions;

namespace Appliance.PacketFilter.Firewall;

/// <summary>A rule of a built-in chain that jumps to one of our chains, with its 1-based position in that chain.</summary>
public sealed record OwnJump(string Table, string BuiltIn, string Spec, string Target, int Position)
{
    /// <summary>The one form the installer keeps: the first rule of the built-in chain, with no conditions.</summary>
    public bool IsCanonical => Position == 1 && Spec == $"-j {Target}";
}

/// <summary>
/// What of ours an <c>iptables-save</c> output holds: our chains with their rules, and the rules of other chains that
/// jump to them. Everything else (the school's rules) is only counted past, never kept or rewritten.
/// </summary>
public sealed partial class IptablesSnapshot
{
    private IptablesSnapshot(IpFamily family, IReadOnlyList<OwnChain> chains, IReadOnlyList<OwnJump> jumps)
    {
        Family = family;
        Chains = chains;
        Jumps = jumps;
    }

    public IpFamily Family { get; }

    /// <summary>Our chains, each with <see cref="OwnChain.JumpFrom"/> taken from its first jump (if any).</summary>
    public IReadOnlyList<OwnChain> Chains { get; }

    public IReadOnlyList<OwnJump> Jumps { get; }

    public bool IsEmpty => Chains.Count == 0 && Jumps.Count == 0;

    /// <summary>What is installed, as a ruleset: to put back after a failed apply.</summary>
    public FamilyRuleset AsRuleset() => new(Family, Chains);

    /// <summary>Reads iptables-save / ip6tables-save output (comments and counters are ignored).</summary>
    /// <exception cref="InvalidDataException">A rule appears outside a table, or a table is not closed.</exception>
    public static IptablesSnapshot Parse(string saveOutput, IpFamily family)
    {
        var rules = new List<(string Table, string Chain, string Spec)>();
        var declared = new List<(string Table, string Chain)>();
        string? table = null;
        foreach (var raw in saveOutput.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line[0] == '*')
            {
                table = line[1..];
            }
            else if (line == "COMMIT")
            {
                table = null;
            }
            else if (table is null)
            {
                throw new InvalidDataException($"{family} save output: '{line}' is outside a table");
            }
            else if (line[0] == ':')
            {
                declared.Add((table, line[1..].Split(' ')[0]));
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal))
            {
                var space = line.IndexOf(' ', 3);
                rules.Add(space < 0 ? (table, line[3..], "") : (table, line[3..space], line[(space + 1)..]));
            }
        }

        if (table is not null)
        {
            throw new InvalidDataException($"{family} save output: table {table} has no COMMIT");
        }

        var jumps = new List<OwnJump>();
        foreach (var group in rules.Where(r => !OwnChains.IsOwn(r.Chain)).GroupBy(r => (r.Table, r.Chain)))
        {
            var position = 0;
            foreach (var rule in group)
            {
                position++;
                // Quoted text (a comment; iptables-save escapes quotes inside it with '\') may mention our chains without jumping.
                if (JumpTarget().Match(Quoted().Replace(rule.Spec, "\"\"")) is { Success: true } match && OwnChains.IsOwn(match.Groups[1].Value))
                {
                    jumps.Add(new OwnJump(rule.Table, rule.Chain, rule.Spec, match.Groups[1].Value, position));
                }
            }
        }

        var chains = declared.Where(d => OwnChains.IsOwn(d.Chain))
            .Select(d => new OwnChain(d.Table, d.Chain,
                jumps.FirstOrDefault(j => j.Table == d.Table && j.Target == d.Chain)?.BuiltIn,
                [.. rules.Where(r => r.Table == d.Table && r.Chain == d.Chain).Select(r => r.Spec)]))
            .ToList();
        return new IptablesSnapshot(family, chains, jumps);
    }

    // "-j NAME" or "-g NAME" (goto) at a word boundary; our names have no spaces or quotes.
    [GeneratedRegex(@"(?:^| )-[jg] (\S+)(?: |$)")]
    private static partial Regex JumpTarget();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""")]
    private static partial Regex Quoted();
}
