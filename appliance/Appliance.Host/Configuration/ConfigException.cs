namespace Appliance.Host.Configuration;

/// <summary>The configuration (file or command line) is wrong. The message names each field and the problem.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ConfigException()
    {
    }
}
