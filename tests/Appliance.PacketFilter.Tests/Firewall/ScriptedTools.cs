using Appliance.PacketFilter.Firewall;

namespace Appliance.PacketFilter.Tests.Firewall;

/// <summary>An <see cref="IToolRunner"/> that answers each tool from a script of results, in order, and records every call.</summary>
internal sealed class ScriptedTools : IToolRunner
{
    private readonly Dictionary<string, Queue<ToolResult>> _answers = [];

    public List<(string Tool, IReadOnlyList<string> Args, string? Stdin)> Calls { get; } = [];

    public ScriptedTools Answer(string tool, int exitCode, string stdout = "", string stderr = "")
    {
        if (!_answers.TryGetValue(tool, out var queue))
        {
            _answers[tool] = queue = new Queue<ToolResult>();
        }

        queue.Enqueue(new ToolResult(exitCode, stdout, stderr));
        return this;
    }

    public Task<ToolResult> RunAsync(string tool, IReadOnlyList<string> args, string? stdin = null, CancellationToken cancellationToken = default)
    {
        Calls.Add((tool, args, stdin));
        return Task.FromResult(_answers.TryGetValue(tool, out var queue) && queue.Count > 0
            ? queue.Dequeue()
            : throw new InvalidOperationException($"unexpected call: {tool} {string.Join(' ', args)}"));
    }

    /// <summary>The stdin of each call to <paramref name="tool"/>.</summary>
    public List<string?> Inputs(string tool) => [.. Calls.Where(c => c.Tool == tool).Select(c => c.Stdin)];
}
