using System.Text.RegularExpressions;

namespace Appliance.IntegrationTests.Peers;

/// <summary>Reads the parts of dig's and kdig's text output that tests assert on.</summary>
public static partial class DigOutput
{
    public static string Status(string output) => StatusRegex().Match(output) is { Success: true } m ? m.Groups[1].Value : "(none)";

    public static string Flags(string output) => FlagsRegex().Match(output) is { Success: true } m ? m.Groups[1].Value.Trim() : string.Empty;

    public static bool HasFlag(string output, string flag) => Flags(output).Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(flag);

    public static int AnswerCount(string output) => AnswerRegex().Match(output) is { Success: true } m ? int.Parse(m.Groups[1].Value) : -1;

    /// <summary>Lines of the ANSWER section ("name ttl class type data").</summary>
    public static IReadOnlyList<string[]> Answers(string output)
    {
        var lines = output.Split('\n');
        var result = new List<string[]>();
        var inAnswer = false;
        foreach (var line in lines)
        {
            if (line.StartsWith(";; ANSWER SECTION", StringComparison.Ordinal))
            {
                inAnswer = true;
                continue;
            }

            if (inAnswer)
            {
                if (string.IsNullOrWhiteSpace(line) || line.StartsWith(";;", StringComparison.Ordinal))
                {
                    break;
                }

                result.Add(line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return result;
    }

    [GeneratedRegex(@"status: (\w+)")]
    private static partial Regex StatusRegex();

    [GeneratedRegex(@";; flags: ([a-z ]*);", RegexOptions.IgnoreCase)]
    private static partial Regex FlagsRegex();

    [GeneratedRegex(@"ANSWER: (\d+)")]
    private static partial Regex AnswerRegex();
}
