using Appliance.Protocols.Dns;

namespace Appliance.Core.Tests;

/// <summary>Wire-form names for tests, through the production encoder.</summary>
internal static class TestNames
{
    public static byte[] Wire(string name)
    {
        var buffer = new byte[256];
        Assert.True(DnsName.TryEncode(name, buffer, out var length), $"cannot encode {name}");
        return buffer[..length];
    }
}
