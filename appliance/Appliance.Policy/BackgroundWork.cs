using System.Runtime.InteropServices;

namespace Appliance.Policy;

/// <summary>
/// Runs heavy maintenance work (parsing and compiling lists) on its own thread at the lowest scheduling priority
/// (nice 19), so that on a busy box the threads answering queries keep the CPU: the Linux scheduler gives a nice-0
/// thread about 70 times the share of a nice-19 one. .NET's <see cref="Thread.Priority"/> does nothing on Linux,
/// hence setpriority(2) on the thread's own id.
/// </summary>
public static partial class BackgroundWork
{
    private const int PrioProcess = 0;
    private const int Nicest = 19;

    /// <remarks>
    /// A thread inherits the nice value of the thread that creates it, and the .NET thread pool creates its workers
    /// on whichever thread queues work. So the nice-19 thread must never complete a task or queue work itself, or a
    /// pool worker born on it would serve everything afterwards at nice 19 (a test caught this). It only runs
    /// <paramref name="work"/>; a dedicated normal-priority thread waits for it and completes the task.
    /// <paramref name="work"/> must not queue thread-pool work either.
    /// </remarks>
    public static Task<T> RunAsync<T>(Func<T> work, string name) => Task.Factory.StartNew(
        () =>
        {
            T result = default!;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo? error = null;
            var thread = new Thread(() =>
            {
                Lower();
                try
                {
                    result = work();
                }
                catch (Exception ex)
                {
                    error = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
                }
            })
            {
                IsBackground = true,
                Name = name,
            };
            thread.Start();
            thread.Join();
            error?.Throw();
            return result;
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    /// <summary>The calling thread's nice value (for tests), or null where it cannot be read.</summary>
    public static int? CurrentNice()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var stat = File.ReadAllText($"/proc/self/task/{Native.GetTid()}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);   // field 19 of stat: nice
    }

    private static void Lower()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = Native.SetPriority(PrioProcess, Native.GetTid(), Nicest);   // best effort: failing only costs priority
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc.so.6", EntryPoint = "setpriority")]
        public static partial int SetPriority(int which, int who, int priority);

        [LibraryImport("libc.so.6", EntryPoint = "gettid")]
        public static partial int GetTid();
    }
}
