using System.ComponentModel;
using System.Diagnostics;

namespace Appliance.PacketFilter.Firewall;

/// <summary>What a tool printed and how it ended.</summary>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The exit code for a tool that could not be started (as a shell says "command not found").</summary>
    public const int NotFound = 127;

    public bool Ok => ExitCode == 0;

    /// <summary>The tool's own words for a failure: its stderr, else its stdout, else the exit code.</summary>
    public string Message => Stderr.Trim() is { Length: > 0 } e ? e : Stdout.Trim() is { Length: > 0 } o ? o : $"exit code {ExitCode}";
}

/// <summary>Runs the firewall tools (iptables-restore, iptables-save, nft). A seam so the installer's logic is tested without root.</summary>
public interface IToolRunner
{
    Task<ToolResult> RunAsync(string tool, IReadOnlyList<string> args, string? stdin = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// Starts the tool with an argument list (no shell, so nothing in an argument is interpreted), writes the script to
/// its stdin and captures stdout and stderr. A tool that is not installed gives exit code 127 and says so.
/// </summary>
public sealed class ProcessToolRunner : IToolRunner
{
    private readonly TimeSpan _timeout;

    public ProcessToolRunner(TimeSpan? timeout = null) => _timeout = timeout ?? TimeSpan.FromSeconds(60);

    public async Task<ToolResult> RunAsync(string tool, IReadOnlyList<string> args, string? stdin = null, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (Win32Exception ex)
        {
            return new ToolResult(ToolResult.NotFound, "", $"{tool}: cannot be run: {ex.Message}");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_timeout);
            try
            {
                if (stdin is not null)
                {
                    await process.StandardInput.WriteAsync(stdin.AsMemory(), timeout.Token);
                }

                process.StandardInput.Close();
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new FirewallException($"{tool} did not finish within {_timeout.TotalSeconds:0} s and was stopped");
            }
            catch (IOException ex)
            {
                // The tool exited before reading all of stdin (it failed on an early line): its stderr says why.
                await process.WaitForExitAsync(cancellationToken);
                return new ToolResult(process.ExitCode, await stdout, (await stderr) + $"\n({tool} stopped reading its input: {ex.Message})");
            }

            return new ToolResult(process.ExitCode, await stdout, await stderr);
        }
    }
}

/// <summary>The firewall could not be read, applied or removed; the message carries the tool's own words.</summary>
public sealed class FirewallException : Exception
{
    public FirewallException(string message)
        : base(message)
    {
    }

    public FirewallException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public FirewallException()
    {
    }
}
