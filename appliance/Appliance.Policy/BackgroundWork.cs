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

    public static Task<T> RunAsync<T>(Func<T> work, string name)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            Lower();
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

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
