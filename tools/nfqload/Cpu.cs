namespace NfqLoad;

/// <summary>CPU seconds (user + system) from /proc, for the process and for its main thread (the sender).</summary>
internal static class Cpu
{
    private static readonly double TicksPerSecond = 100;   // USER_HZ on Linux

    public static double Process() => Read("/proc/self/stat");

    public static double MainThread() => Read($"/proc/self/task/{Environment.ProcessId}/stat");

    // Fields 14 and 15 (utime, stime), counted after the command name's closing parenthesis (proc(5)).
    private static double Read(string path)
    {
        var text = File.ReadAllText(path);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
