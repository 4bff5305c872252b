using System.Text;

namespace Appliance.Protocols.Tests.Http;

/// <summary>
/// Labelled request heads (RFC 9112 §3, §5; RFC 9110 §7.2), one field line per source line, each a whole head with
/// nothing after it, so every proper prefix is incomplete. Expected is the host the filter must see.
/// </summary>
internal static class HttpVectors
{
    public sealed record Vector(string Head, string ExpectedHost)
    {
        public byte[] Bytes { get; } = Encoding.Latin1.GetBytes(Head);
    }

    /// <summary>What curl 8 sends for <c>curl http://www.example.test/</c>.</summary>
    public static readonly Vector Curl = new(
        "GET / HTTP/1.1\r\n" +                      // request-line: origin-form
        "Host: www.example.test\r\n" +              // Host (RFC 9110 §7.2)
        "User-Agent: curl/8.5.0\r\n" +
        "Accept: */*\r\n" +
        "\r\n",                                     // end of head
        "www.example.test");

    /// <summary>A request to a proxy: the absolute-form target's authority wins over Host (RFC 9112 §3.2.2).</summary>
    public static readonly Vector AbsoluteForm = new(
        "GET http://proxied.example:8080/index.html?q=1 HTTP/1.1\r\n" + // absolute-form, port 8080
        "Host: other.example\r\n" +                 // ignored for the name, but still checked
        "Proxy-Connection: keep-alive\r\n" +
        "\r\n",
        "proxied.example");

    /// <summary>HTTP/1.0 may leave Host out (RFC 9112 §3.2 requires it of 1.1 only): the flow has no name.</summary>
    public static readonly Vector Http10WithoutHost = new(
        "GET /index.html HTTP/1.0\r\n" +
        "User-Agent: Wget/1.0\r\n" +
        "\r\n",
        "");

    /// <summary>CONNECT's authority-form target (RFC 9112 §3.2.3) is where the tunnel goes.</summary>
    public static readonly Vector Connect = new(
        "CONNECT tunnel.example:443 HTTP/1.1\r\n" + // authority-form
        "Host: tunnel.example:443\r\n" +
        "\r\n",
        "tunnel.example");

    /// <summary>An IPv6 literal keeps its brackets; the name is matched case-insensitively; OWS is trimmed.</summary>
    public static readonly Vector Ipv6Host = new(
        "GET /status HTTP/1.1\r\n" +
        "hOsT: \t [2001:db8::1]:8080 \t\r\n" +      // field name in odd case, OWS of spaces and tabs
        "Accept: text/html\r\n" +
        "\r\n",
        "[2001:db8::1]");

    /// <summary>Bare LF line ends (RFC 9112 §2.2 lets recipients accept them) and a name sent in mixed case.</summary>
    public static readonly Vector BareLineFeeds = new(
        "POST /form HTTP/1.1\n" +
        "Content-Length: 0\n" +
        "HOST: Mixed.Example.TEST\n" +
        "\n",
        "Mixed.Example.TEST");

    public static readonly IReadOnlyDictionary<string, Vector> All = new Dictionary<string, Vector>
    {
        [nameof(Curl)] = Curl,
        [nameof(AbsoluteForm)] = AbsoluteForm,
        [nameof(Http10WithoutHost)] = Http10WithoutHost,
        [nameof(Connect)] = Connect,
        [nameof(Ipv6Host)] = Ipv6Host,
        [nameof(BareLineFeeds)] = BareLineFeeds,
    };

    public static TheoryData<string> Names() => new(All.Keys);
}
