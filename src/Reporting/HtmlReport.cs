using System.Net;
using System.Text;

namespace Precision.Orleans.Reporting;

/// <summary>
/// Builds one self-contained HTML page (inline CSS and SVG, no scripts or external files) from
/// headings, paragraphs, tables and figures, in the order they are added.
/// </summary>
public sealed class HtmlReport
{
    private readonly StringBuilder _body = new();

    public string Title { get; }

    public HtmlReport(string title) => Title = title;

    public HtmlReport Heading(string text, int level = 2)
    {
        if (level is < 1 or > 6) throw new ArgumentOutOfRangeException(nameof(level), level, "html: heading level must be 1..6");
        _body.Append($"<h{level}>{Esc(text)}</h{level}>\n");
        return this;
    }

    public HtmlReport Paragraph(string text)
    {
        _body.Append($"<p>{Esc(text)}</p>\n");
        return this;
    }

    /// <summary>A highlighted paragraph: a caveat the reader must not miss.</summary>
    public HtmlReport Warning(string text)
    {
        _body.Append($"<p class=\"warn\">{Esc(text)}</p>\n");
        return this;
    }

    /// <summary>A table; every row must have as many cells as there are headers.</summary>
    public HtmlReport Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        _body.Append("<table><thead><tr>");
        foreach (var h in headers) _body.Append($"<th>{Esc(h)}</th>");
        _body.Append("</tr></thead><tbody>\n");
        int r = 0;
        foreach (var row in rows)
        {
            if (row.Count != headers.Count) throw new ArgumentException($"html table: row {r} has {row.Count} cells, expected {headers.Count}");
            _body.Append("<tr>");
            foreach (var cell in row) _body.Append($"<td>{Esc(cell)}</td>");
            _body.Append("</tr>\n");
            r++;
        }
        _body.Append("</tbody></table>\n");
        return this;
    }

    /// <summary>A row of figures (SVG markup from <see cref="SvgChart"/>), wrapping on narrow screens.</summary>
    public HtmlReport Figures(params string[] svgs)
    {
        _body.Append("<div class=\"figs\">");
        foreach (var svg in svgs) _body.Append("<figure>").Append(svg).Append("</figure>");
        _body.Append("</div>\n");
        return this;
    }

    /// <summary>Preformatted text (e.g. sample responses).</summary>
    public HtmlReport Preformatted(string text)
    {
        _body.Append($"<pre>{Esc(text)}</pre>\n");
        return this;
    }

    public string Build() =>
        $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"/><title>{Esc(Title)}</title>
        <style>
        body{"{"}font-family:sans-serif;margin:24px;color:#222{"}"}
        table{"{"}border-collapse:collapse;margin:8px 0 16px{"}"} th,td{"{"}border:1px solid #ccc;padding:4px 8px;text-align:right{"}"}
        th{"{"}background:#f3f3f3{"}"} .figs{"{"}display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:8px{"}"} figure{"{"}margin:0{"}"}
        figure>svg{"{"}width:100%;height:auto{"}"} .warn{"{"}background:#fff4ce;border-left:4px solid #d8a400;padding:6px 10px{"}"}
        pre{"{"}background:#f7f7f7;padding:8px;white-space:pre-wrap{"}"}
        </style></head>
        <body>
        <h1>{Esc(Title)}</h1>
        {_body}</body></html>

        """;

    private static string Esc(string text) => WebUtility.HtmlEncode(text);
}
