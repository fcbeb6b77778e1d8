using System.Globalization;
using System.Security;
using System.Text;
using Moat.Defense.Reports;

namespace Moat.Defense.Charts;

/// <summary>
/// detect's SVG chart (docs/defense.md#the-chart): deterministic bytes for the same input; bars carry their values as
/// data attributes.
/// </summary>
internal static class SvgChart
{
    public static string Render(DetectReport report, int width, int height)
    {
        var layout = new ChartLayout(report, width, height);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<style>.bar{fill:#d9534f}.req{fill:none;stroke:#1f77b4;stroke-width:1.5}.attack{fill:#f0ad4e;fill-opacity:0.25}.threshold{stroke:#555;stroke-dasharray:6 4}.axis{stroke:#000}").Append(DroppedStyle(layout)).Append("</style>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">{Escape(layout.Title)}</text>\n");
        foreach (var (x0, x1) in layout.Shades)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"attack\" x=\"{F(x0)}\" y=\"{layout.PlotTop}\" width=\"{F(x1 - x0)}\" height=\"{layout.PlotHeight}\"/>\n");
        }

        foreach (var (y, label) in layout.YTicks)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{layout.PlotLeft - 4}\" y1=\"{F(y)}\" x2=\"{layout.PlotLeft}\" y2=\"{F(y)}\" class=\"axis\"/><text x=\"{layout.PlotLeft - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{label}</text>\n");
        }

        foreach (var bar in layout.Bars)
        {
            var bucket = TimeFormat.Utc(report.BucketStart(bar.Bucket));
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" data-bucket=\"{bucket}\" data-count=\"{bar.Count}\" x=\"{F(bar.X)}\" y=\"{F(bar.Y)}\" width=\"{F(bar.Width)}\" height=\"{F(bar.Height)}\"/>\n");
        }

        if (layout.RequestLine.Count > 0)
        {
            svg.Append("<polyline class=\"req\" points=\"");
            svg.Append(string.Join(' ', layout.RequestLine.Select(p => F(p.X) + "," + F(p.Y))));
            svg.Append("\"/>\n");
        }

        if (layout.DroppedLine.Count > 0)
        {
            svg.Append("<polyline class=\"dropped\" points=\"");
            svg.Append(string.Join(' ', layout.DroppedLine.Select(p => F(p.X) + "," + F(p.Y))));
            svg.Append("\"/>\n");
            foreach (var point in layout.DroppedLine)
            {
                var bucket = TimeFormat.Utc(report.BucketStart(point.Bucket));
                svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"dropped\" data-bucket=\"{bucket}\" data-count=\"{point.Count}\" cx=\"{F(point.X)}\" cy=\"{F(point.Y)}\" r=\"2\"/>\n");
            }
        }

        if (layout.ThresholdY is { } thresholdY)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"threshold\" x1=\"{layout.PlotLeft}\" y1=\"{F(thresholdY)}\" x2=\"{layout.PlotLeft + layout.PlotWidth}\" y2=\"{F(thresholdY)}\"/>\n");
        }

        var bottom = layout.PlotTop + layout.PlotHeight;
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{layout.PlotLeft}\" y1=\"{layout.PlotTop}\" x2=\"{layout.PlotLeft}\" y2=\"{bottom}\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{layout.PlotLeft}\" y1=\"{bottom}\" x2=\"{layout.PlotLeft + layout.PlotWidth}\" y2=\"{bottom}\"/>\n");
        foreach (var (x, label) in layout.XTicks)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{bottom + 18}\" text-anchor=\"middle\">{Escape(label)}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{layout.PlotLeft}\" y=\"{layout.Height - 8}\">bars: events (red), line: requests (blue), shaded: attack verdicts, dashed: {layout.Threshold} events threshold{(layout.DroppedLine.Count > 0 ? ", green: requests the server dropped" : string.Empty)}</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string DroppedStyle(ChartLayout layout) =>
        layout.DroppedLine.Count > 0 ? ".dropped{fill:none;stroke:#2ca02c;stroke-width:1.5}circle.dropped{fill:#2ca02c}" : string.Empty;

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;
}
