using System.Text;

namespace Appliance.PacketFilter.Firewall;

/// <summary>
/// The <c>iptables-restore --noflush</c> input that turns what is installed into what is wanted, touching only our
/// chains and the jumps to them. Per table:
/// <code>
///   :SCHOOLGW-X - [0:0]     every chain of ours, installed or wanted: created, or flushed if it exists
///   -D BUILTIN spec          jumps that are not the one wanted form (first rule, no conditions)
///   -X SCHOOLGW-Y            chains no longer wanted (empty and unreferenced by now)
///   -A SCHOOLGW-X rule       the wanted rules
///   -I BUILTIN 1 -j X        the jump, only where it is missing
///   COMMIT
/// </code>
/// With the same input for wanted and installed the result is null: apply twice and the second changes nothing
/// (not even the counters). Removing is building towards an empty ruleset; rolling back is building towards a snapshot.
/// iptables-nft commits each table on its own COMMIT (checked here: a failing filter table leaves an earlier nat
/// table applied), so the installer rolls a failed apply back from its snapshot (<see cref="IptablesInstaller"/>).
/// </summary>
public static class RestoreScript
{
    /// <returns>The restore input, or null when the installed chains already are the wanted ones.</returns>
    public static string? Build(FamilyRuleset wanted, IptablesSnapshot installed)
    {
        if (wanted.Family != installed.Family)
        {
            throw new ArgumentException($"a {wanted.Family} ruleset cannot be built over a {installed.Family} snapshot");
        }

        var keptJumps = installed.Jumps.Where(j => IsKept(j, wanted, installed)).ToList();
        var upToDate = wanted.Chains.Count == installed.Chains.Count
            && wanted.Chains.All(w => installed.Chains.Contains(w))
            && keptJumps.Count == installed.Jumps.Count
            && wanted.Chains.Where(c => c.JumpFrom is not null).All(c => keptJumps.Any(j => j.Target == c.Name));
        if (upToDate)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (var table in OwnChains.Tables.Concat(installed.Chains.Select(c => c.Table)).Distinct())
        {
            var want = wanted.Chains.Where(c => c.Table == table).ToList();
            var have = installed.Chains.Where(c => c.Table == table).ToList();
            var jumps = installed.Jumps.Where(j => j.Table == table).ToList();
            if (want.Count == 0 && have.Count == 0 && jumps.Count == 0)
            {
                continue;
            }

            text.Append('*').Append(table).Append('\n');
            foreach (var name in want.Select(c => c.Name).Union(have.Select(c => c.Name)))
            {
                text.Append(':').Append(name).Append(" - [0:0]\n");
            }

            // Deleted from the last rule up, so the positions of the ones still to delete do not matter either way.
            foreach (var jump in jumps.Except(keptJumps).OrderByDescending(j => j.Position))
            {
                text.Append("-D ").Append(jump.BuiltIn).Append(' ').Append(jump.Spec).Append('\n');
            }

            foreach (var stale in have.Where(h => want.All(w => w.Name != h.Name)))
            {
                text.Append("-X ").Append(stale.Name).Append('\n');
            }

            foreach (var chain in want)
            {
                foreach (var rule in chain.Rules)
                {
                    text.Append("-A ").Append(chain.Name).Append(' ').Append(rule).Append('\n');
                }
            }

            foreach (var chain in want.Where(c => c.JumpFrom is not null && keptJumps.All(j => j.Target != c.Name)))
            {
                text.Append("-I ").Append(chain.JumpFrom).Append(" 1 -j ").Append(chain.Name).Append('\n');
            }

            text.Append("COMMIT\n");
        }

        return text.ToString();
    }

    // A jump stays when it is the only one to a wanted chain, from the wanted built-in chain, first and unconditional.
    // Anything else (a school rule inserted above ours, a second copy, a jump to a chain no longer wanted) is replaced.
    private static bool IsKept(OwnJump jump, FamilyRuleset wanted, IptablesSnapshot installed)
        => jump.IsCanonical
        && wanted.Chains.Any(c => c.Table == jump.Table && c.Name == jump.Target && c.JumpFrom == jump.BuiltIn)
        && installed.Jumps.Count(j => j.Table == jump.Table && j.Target == jump.Target) == 1;
}
