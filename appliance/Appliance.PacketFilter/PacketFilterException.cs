namespace Appliance.PacketFilter;

/// <summary>The packet filter cannot do what it was asked (no queue, no permission, a refused ruleset); the message names why.</summary>
public sealed class PacketFilterException : Exception
{
    public PacketFilterException(string message) : base(message)
    {
    }

    public PacketFilterException(string message, Exception inner) : base(message, inner)
    {
    }
}
