using System.Text;

namespace Appliance.Lessons.Fetch;

/// <summary>
/// Stylesheets are read and written byte for byte: decoding as Latin-1 maps each byte to one char and back, and the
/// tokenizer only acts on ASCII, so any ASCII-compatible encoding (UTF-8, windows-1252, @charset or not) passes
/// through a rewrite unchanged, without guessing the sheet's encoding (CSS Syntax §3.2 needs the HTTP header, a
/// BOM, @charset and the referring page for that). UTF-16 sheets are not handled (they are vanishingly rare).
/// </summary>
public static class CssText
{
    public static string Decode(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static byte[] Encode(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary>A URL found in the decoded text, its non-ASCII bytes read as UTF-8 (what URLs in the wild use).</summary>
    public static string UrlValue(string value) =>
        value.Any(c => c >= 0x80) && value.All(c => c <= 0xFF) ? Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(value)) : value;
}
