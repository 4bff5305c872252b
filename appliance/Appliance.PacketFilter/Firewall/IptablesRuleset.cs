using System.Text;

namespace Appliance.PacketFilter.Firewall;

public enum IpFamily
{
    V4,
    V6,
}

/// <summary>
/// One chain the product owns: its table, its name (always <see cref="OwnChains.Prefix"/>…), the built-in chain whose
/// first rule jumps to it (null for a chain reached from our own chains), and its rules in <c>iptables-save</c> form
/// without the leading <c>-A NAME</c>. Rules are written the way iptables-save prints them, so an installed ruleset can be
/// compared with the generated one as text (and an unchanged one left alone).
/// </summary>
public sealed record OwnChain(string Table, string Name, string? JumpFrom, IReadOnlyList<string> Rules)
{
    public bool Equals(OwnChain? other)
        => other is not null && Table == other.Table && Name == other.Name && JumpFrom == other.JumpFrom && Rules.SequenceEqual(other.Rules);

    public override int GetHashCode() => HashCode.Combine(Table, Name, JumpFrom, Rules.Count);
}

/// <summary>The names of the chains the product owns; anything else in the ruleset belongs to the school and is never touched.</summary>
public static class OwnChains
{
    public const string Prefix = "SCHOOLGW-";

    /// <summary>nat PREROUTING: LAN DNS to the box's resolver.</summary>
    public const string DnsRedirect = "SCHOOLGW-PRE";

    /// <summary>filter FORWARD: blocked flows, the connmark fast path, encrypted-DNS and QUIC rejects, the queue.</summary>
    public const string Forward = "SCHOOLGW-FWD";

    /// <summary>filter, from <see cref="Forward"/>: one reject per DoH resolver address, for new TCP 443 flows only.</summary>
    public const string DohReject = "SCHOOLGW-DOH";

    /// <summary>mangle POSTROUTING: saves the Decided mark of packets the verdict loop accepted into the connmark.</summary>
    public const string SaveDecided = "SCHOOLGW-POST";

    public static bool IsOwn(string chain) => chain.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The order tables are written in (the order iptables applies them in does not matter: jumps never cross tables).</summary>
    public static readonly IReadOnlyList<string> Tables = ["filter", "nat", "mangle"];
}

/// <summary>Our chains for one address family: what <c>iptables-restore</c> or <c>ip6tables-restore</c> installs.</summary>
public sealed record FamilyRuleset(IpFamily Family, IReadOnlyList<OwnChain> Chains)
{
    public static FamilyRuleset Empty(IpFamily family) => new(family, []);

    public bool IsEmpty => Chains.Count == 0;

    public string RestoreTool => Family == IpFamily.V4 ? "iptables-restore" : "ip6tables-restore";

    public string SaveTool => Family == IpFamily.V4 ? "iptables-save" : "ip6tables-save";

    /// <summary>
    /// The restore input that installs these chains on a box that has none of them: for <c>print</c>. The installer
    /// writes the same chains, but adds a jump only when it is missing and drops chains no longer wanted
    /// (<see cref="RestoreScript"/>).
    /// </summary>
    public string ToRestoreText()
    {
        var text = new StringBuilder();
        foreach (var table in OwnChains.Tables)
        {
            var chains = Chains.Where(c => c.Table == table).ToList();
            if (chains.Count == 0)
            {
                continue;
            }

            text.Append('*').Append(table).Append('\n');
            foreach (var chain in chains)
            {
                text.Append(':').Append(chain.Name).Append(" - [0:0]\n");
            }

            foreach (var chain in chains)
            {
                foreach (var rule in chain.Rules)
                {
                    text.Append("-A ").Append(chain.Name).Append(' ').Append(rule).Append('\n');
                }
            }

            foreach (var chain in chains.Where(c => c.JumpFrom is not null))
            {
                text.Append("-I ").Append(chain.JumpFrom).Append(" 1 -j ").Append(chain.Name).Append('\n');
            }

            text.Append("COMMIT\n");
        }

        return text.ToString();
    }
}
