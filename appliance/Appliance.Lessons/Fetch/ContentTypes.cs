namespace Appliance.Lessons.Fetch;

/// <summary>
/// Which media types a lesson may store, and a small sniffer for responses that send no Content-Type. The header is
/// trusted over the file name (WHATWG MIME Sniffing: the extension means nothing); sniffing is only the fallback.
/// </summary>
public static class ContentTypes
{
    private static readonly HashSet<string> Allowed = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/html", "application/xhtml+xml", "text/css",
        "text/javascript", "application/javascript", "application/x-javascript", "application/ecmascript", "text/ecmascript",
        "application/pdf", "application/json", "application/manifest+json", "application/ld+json", "text/plain", "text/vtt",
        "application/font-woff", "application/font-woff2", "application/x-font-woff", "application/x-font-ttf",
        "application/x-font-otf", "application/vnd.ms-fontobject",
    };

    private static readonly string[] AllowedPrefixes = ["image/", "font/", "audio/", "video/"];

    /// <summary>The media type's essence ("text/html" of "text/html; charset=utf-8"), lower-cased.</summary>
    public static string Essence(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
    }

    public static bool IsAllowed(string contentType)
    {
        var essence = Essence(contentType);
        return Allowed.Contains(essence) || AllowedPrefixes.Any(p => essence.StartsWith(p, StringComparison.Ordinal));
    }

    public static bool IsHtml(string contentType) => Essence(contentType) is "text/html" or "application/xhtml+xml";

    public static bool IsCss(string contentType) => Essence(contentType) == "text/css";

    /// <summary>
    /// A media type for a body sent without Content-Type: the first bytes' signatures (WHATWG MIME Sniffing §7.1
    /// and §6 for images, fonts, PDF), then what the page expected (a stylesheet link, a script), else null.
    /// </summary>
    public static string? Sniff(ReadOnlySpan<byte> head, AssetHint hint)
    {
        var text = head.TrimStart(" \t\n\r\f"u8);
        if (StartsWithIgnoreCase(text, "<!doctype html"u8) || StartsWithIgnoreCase(text, "<html"u8) || StartsWithIgnoreCase(text, "<head"u8)
            || StartsWithIgnoreCase(text, "<body"u8))
        {
            return "text/html";
        }

        if (head.StartsWith("%PDF-"u8))
        {
            return "application/pdf";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return "image/gif";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return "image/webp";
        }

        if (head.StartsWith("wOFF"u8))
        {
            return "font/woff";
        }

        if (head.StartsWith("wOF2"u8))
        {
            return "font/woff2";
        }

        return hint switch
        {
            AssetHint.Stylesheet => "text/css",
            AssetHint.Script => "text/javascript",
            _ => null,
        };
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> prefix)
    {
        if (text.Length < prefix.Length)
        {
            return false;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            if ((text[i] | 0x20) != (prefix[i] | 0x20))
            {
                return false;
            }
        }

        return true;
    }
}
