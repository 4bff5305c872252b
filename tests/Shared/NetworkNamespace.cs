using System.Diagnostics;

namespace Appliance.TestSupport;

/// <summary>
/// A network namespace a test creates for itself (ip-netns(8)) and deletes afterwards, so packet-path tests never
/// touch the machine's own interfaces or firewall. <see cref="Enter{T}"/> runs code on a thread that has joined the
/// namespace (setns(2) moves only the calling thread): a netlink or packet socket made there belongs to it.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>Creates a namespace with a unique name and its loopback up.</summary>
    public static NetworkNamespace Create(string prefix = "apt")
    {
        var ns = new NetworkNamespace($"{prefix}-{Guid.NewGuid().ToString("N")[..8]}");
        Run("ip", "netns", "add", ns.Name);
        ns.Exec("ip", "link", "set", "lo", "up");
        return ns;
    }

    /// <summary>Runs a command in the namespace; throws with its output if it fails.</summary>
    public string Exec(params string[] command) => Run(["ip", "netns", "exec", Name, .. command]);

    /// <summary>Runs a command in the namespace and returns its exit code and output, whatever they are.</summary>
    public (int ExitCode, string Output) TryExec(params string[] command) => TryRun(["ip", "netns", "exec", Name, .. command]);

    public T Enter<T>(Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{Name}");
                if (Tmds.Linux.LibC.setns((int)handle.DangerousGetHandle(), Tmds.Linux.LibC.CLONE_NEWNET) != 0)
                {
                    throw new InvalidOperationException($"setns into {Name} failed: errno {Tmds.Linux.LibC.errno}");
                }

                result = action();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();   // the thread ends here, and with it its membership of the namespace
        return failure is null ? result : throw new InvalidOperationException($"in namespace {Name}: {failure.Message}", failure);
    }

    public void Dispose() => TryRun(["ip", "netns", "delete", Name]);

    public static string Run(params string[] command)
    {
        var (exit, output) = TryRun(command);
        return exit == 0 ? output : throw new InvalidOperationException($"{string.Join(' ', command)} exited {exit}: {output}");
    }

    public static (int ExitCode, string Output) TryRun(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.AsSpan(1))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
