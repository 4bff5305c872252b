namespace Appliance.Fleet.Outbox;

/// <summary>The outbox could not be opened or written; the message names the file and the problem. Nothing stored before is touched.</summary>
public sealed class OutboxException : Exception
{
    public OutboxException()
    {
    }

    public OutboxException(string message)
        : base(message)
    {
    }

    public OutboxException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
