namespace Appliance.Core.Events;

/// <summary>
/// Where every change and every command received is recorded: who (<c>actor</c>), what kind of
/// change (<c>action</c>, e.g. <c>policy.apply</c>), to what (<c>subject</c>), and the
/// details (<c>detail</c>, JSON). The implementation is append-only and hash-chained (issue 4).
/// </summary>
public interface IAuditSink
{
    void Record(string actor, string action, string subject, string detail);
}
