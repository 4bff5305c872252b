using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Appliance.Host.Configuration;

/// <summary>Parses "ADDR:PORT" ("127.0.0.1:53", "[::1]:53") with an explicit port; says precisely what is wrong.</summary>
public static class EndpointText
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPEndPoint? endPoint, [NotNullWhen(false)] out string? problem, bool allowPortZero = false)
    {
        endPoint = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "is empty; expected ADDR:PORT such as 127.0.0.1:53 or [::1]:53";
            return false;
        }

        var colon = text.LastIndexOf(':');
        var bracketed = text.StartsWith('[');
        if (colon < 0 || (bracketed && text.IndexOf(']', StringComparison.Ordinal) > colon) || (!bracketed && text.IndexOf(':', StringComparison.Ordinal) != colon))
        {
            problem = $"'{text}' has no port; expected ADDR:PORT such as 127.0.0.1:53 or [::1]:53";
            return false;
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (bracketed)
        {
            if (!host.EndsWith(']'))
            {
                problem = $"'{text}' is not a valid address: an IPv6 address is written in brackets, e.g. [::1]:53";
                return false;
            }

            host = host[1..^1];
        }

        if (!IPAddress.TryParse(host, out var address) || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) != bracketed)
        {
            problem = $"'{text}' is not a valid address: '{host}' is not an IPv4 address or a bracketed IPv6 address";
            return false;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535 || (port == 0 && !allowPortZero))
        {
            problem = $"'{text}' has an invalid port '{portText}': it must be a number from {(allowPortZero ? 0 : 1)} to 65535";
            return false;
        }

        endPoint = new IPEndPoint(address, port);
        return true;
    }
}
