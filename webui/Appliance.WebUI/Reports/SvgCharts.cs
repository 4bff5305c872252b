using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;

namespace Appliance.WebUI.Reports;

/// <summary>
/// Charts as inline SVG drawn on the server: no script, no library, nothing fetched (the CSP allows none). Each is
/// <c>role="img"</c> named by its <c>&lt;title&gt;</c> (aria-labelledby) and described by a <c>&lt;desc&gt;</c> that says
/// what the biggest figure is; the page puts the same figures in a table beside it (WAI's complex images tutorial).
/// Colours come from the stylesheet's classes (no style attributes: the CSP forbids inline styles).
/// </summary>
public static class SvgCharts
{
    private const int Width = 640;

    /// <summary>One bar per item, longest first as given, its figure at its end.</summary>
    public static HtmlString Bars(string id, string title, IReadOnlyList<(string Label, long Value)> items)
    {
        const int Row = 24, LabelWidth = 220, ValueWidth = 70;
        var height = Math.Max(1, items.Count) * Row + 8;
        var max = Math.Max(1, items.Count == 0 ? 0 : items.Max(i => i.Value));
        var svg = Open(id, title, Describe(items), height);
        if (items.Count == 0)
        {
            svg.Append(Inv($"<text x=\"0\" y=\"18\" class=\"chart-label\">no blocks in this period</text>"));
        }

        for (var i = 0; i < items.Count; i++)
        {
            var (label, value) = items[i];
            var y = 4 + i * Row;
            var length = value * (double)(Width - LabelWidth - ValueWidth) / max;
            svg.Append(Inv($"<text x=\"{LabelWidth - 6}\" y=\"{y + 16}\" text-anchor=\"end\" class=\"chart-label\">{Encode(label)}</text>"))
               .Append(Inv($"<rect x=\"{LabelWidth}\" y=\"{y + 3}\" width=\"{length:0.#}\" height=\"{Row - 8}\" class=\"chart-bar\"/>"))
               .Append(Inv($"<text x=\"{LabelWidth + length + 4:0.#}\" y=\"{y + 16}\" class=\"chart-label\">{value}</text>"));
        }

        return Close(svg);
    }

    /// <summary>One column per day, with the highest figure on the axis and the first and last days under it.</summary>
    public static HtmlString Columns(string id, string title, IReadOnlyList<(string Label, long Value)> days)
    {
        const int Height = 200, Top = 20, Bottom = 24, Left = 48;
        var max = Math.Max(1, days.Count == 0 ? 0 : days.Max(d => d.Value));
        var svg = Open(id, title, Describe(days), Height);
        var plot = Height - Top - Bottom;
        svg.Append(Inv($"<line x1=\"{Left}\" y1=\"{Top + plot}\" x2=\"{Width}\" y2=\"{Top + plot}\" class=\"chart-axis\"/>"))
           .Append(Inv($"<text x=\"{Left - 6}\" y=\"{Top + 4}\" text-anchor=\"end\" class=\"chart-label\">{max}</text>"))
           .Append(Inv($"<text x=\"{Left - 6}\" y=\"{Top + plot}\" text-anchor=\"end\" class=\"chart-label\">0</text>"));
        var step = (Width - Left) / (double)Math.Max(1, days.Count);
        for (var i = 0; i < days.Count; i++)
        {
            var h = days[i].Value * (double)plot / max;
            svg.Append(Inv($"<rect x=\"{Left + i * step + step * 0.1:0.#}\" y=\"{Top + plot - h:0.#}\" width=\"{step * 0.8:0.#}\" height=\"{h:0.#}\" class=\"chart-bar\"/>"));
        }

        if (days.Count > 0)
        {
            svg.Append(Inv($"<text x=\"{Left}\" y=\"{Height - 6}\" class=\"chart-label\">{Encode(days[0].Label)}</text>"))
               .Append(Inv($"<text x=\"{Width}\" y=\"{Height - 6}\" text-anchor=\"end\" class=\"chart-label\">{Encode(days[^1].Label)}</text>"));
        }

        return Close(svg);
    }

    /// <summary>"Highest: self-harm, 120. Total 300 over 4 items." — what a sighted reader takes from the picture first.</summary>
    public static string Describe(IReadOnlyList<(string Label, long Value)> items) =>
        items.Count == 0 || items.All(i => i.Value == 0) ? "No blocks in this period."
        : string.Create(CultureInfo.InvariantCulture,
            $"Highest: {items.MaxBy(i => i.Value).Label}, {items.Max(i => i.Value)}. Total {items.Sum(i => i.Value)} over {items.Count} {(items.Count == 1 ? "entry" : "entries")}. The figures are in the table that follows.");

    private static StringBuilder Open(string id, string title, string description, int height) =>
        new StringBuilder().Append(Inv($"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {Width + 40} {height}\" width=\"{Width + 40}\" height=\"{height}\">"))
            .Append(Inv($"<title id=\"{id}-title\">{Encode(title)}</title><desc id=\"{id}-desc\">{Encode(description)}</desc>"));

    private static HtmlString Close(StringBuilder svg) => new(svg.Append("</svg>").ToString());

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
