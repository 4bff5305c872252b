using Appliance.Core.Events;

namespace Appliance.TestSupport;

/// <summary>An audit sink that keeps what it is given, for tests to read back (shared by the test projects that need one).</summary>
internal sealed class RecordingAudit : IAuditSink
{
    public List<(string Actor, string Action, string Subject, string Detail)> Entries { get; } = [];

    public bool Record(string actor, string action, string subject, string detail)
    {
        lock (Entries)
        {
            Entries.Add((actor, action, subject, detail));
        }

        return true;
    }
}
