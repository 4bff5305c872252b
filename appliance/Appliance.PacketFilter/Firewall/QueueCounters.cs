using System.Globalization;

namespace Appliance.PacketFilter.Firewall;

/// <summary>
/// One bound NFQUEUE as <c>/proc/net/netfilter/nfnetlink_queue</c> shows it (net/netfilter/nfnetlink_queue.c,
/// seq_show: <c>"%5u %6u %5u %1u %5u %5u %5u %8u %2d"</c>): for the verdict loop's health.
/// </summary>
/// <param name="Queue">The queue number.</param>
/// <param name="PeerPortId">The netlink port id of the process bound to it.</param>
/// <param name="Waiting">Packets queued and waiting for a verdict now (queue_total).</param>
/// <param name="CopyMode">0 none, 1 metadata, 2 packet.</param>
/// <param name="CopyRange">Bytes of each packet copied to userspace.</param>
/// <param name="QueueDropped">Dropped because the queue was full (without FAIL_OPEN).</param>
/// <param name="UserDropped">Dropped because the netlink socket's buffer was full.</param>
/// <param name="IdSequence">The last packet id handed out: packets queued since bind.</param>
public sealed record QueueCounters(uint Queue, uint PeerPortId, uint Waiting, uint CopyMode, uint CopyRange, uint QueueDropped, uint UserDropped, uint IdSequence)
{
    public const string ProcPath = "/proc/net/netfilter/nfnetlink_queue";

    /// <summary>The queues bound in this network namespace; none when the file is missing (nothing has used NFQUEUE yet).</summary>
    /// <exception cref="InvalidDataException">The file's format is not the one this parser knows.</exception>
    public static IReadOnlyList<QueueCounters> Read(string path = ProcPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }

        return Parse(text);
    }

    /// <exception cref="InvalidDataException">A line is not nine numbers; the message names the line.</exception>
    public static IReadOnlyList<QueueCounters> Parse(string text)
    {
        var result = new List<QueueCounters>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            // The ninth column is a constant 1 (once "use count"); it is checked only for being there.
            var values = new uint[9];
            if (fields.Length != 9 || !fields.Take(8).Select((f, i) => uint.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out values[i])).All(ok => ok)
                || !int.TryParse(fields[8], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            {
                throw new InvalidDataException($"nfnetlink_queue line {number}: expected nine numbers, got '{line.Trim()}'");
            }

            result.Add(new QueueCounters(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7]));
        }

        return result;
    }
}
