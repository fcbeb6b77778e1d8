using Moat.Defense.Reports;

namespace Moat.Defense.Charts;

/// <summary>detect's PNG chart: the SVG's layout rasterised by <see cref="Raster"/>.</summary>
internal static class PngChart
{
    private const uint Black = 0x000000;
    private const uint BarColor = 0xD9534F;
    private const uint LineColor = 0x1F77B4;
    private const uint ShadeColor = 0xF0AD4E;
    private const uint ThresholdColor = 0x555555;
    private const uint DroppedColor = 0x2CA02C;

    public static byte[] Render(DetectReport report, int width, int height)
    {
        var layout = new ChartLayout(report, width, height);
        var raster = new Raster(width, height);
        foreach (var (x0, x1) in layout.Shades)
        {
            raster.FillRectangle(x0, layout.PlotTop, x1 - x0, layout.PlotHeight, ShadeColor, 0.25);
        }

        foreach (var bar in layout.Bars)
        {
            raster.FillRectangle(bar.X, bar.Y, bar.Width, bar.Height, BarColor);
        }

        for (var i = 1; i < layout.RequestLine.Count; i++)
        {
            var (x0, y0) = layout.RequestLine[i - 1];
            var (x1, y1) = layout.RequestLine[i];
            raster.DrawLine(x0, y0, x1, y1, LineColor);
        }

        for (var i = 1; i < layout.DroppedLine.Count; i++)
        {
            var from = layout.DroppedLine[i - 1];
            var to = layout.DroppedLine[i];
            raster.DrawLine(from.X, from.Y, to.X, to.Y, DroppedColor);
        }

        if (layout.ThresholdY is { } thresholdY)
        {
            raster.DrawLine(layout.PlotLeft, thresholdY, layout.PlotLeft + layout.PlotWidth, thresholdY, ThresholdColor, dash: 6);
        }

        var bottom = layout.PlotTop + layout.PlotHeight;
        raster.DrawLine(layout.PlotLeft, layout.PlotTop, layout.PlotLeft, bottom, Black);
        raster.DrawLine(layout.PlotLeft, bottom, layout.PlotLeft + layout.PlotWidth, bottom, Black);
        foreach (var (y, label) in layout.YTicks)
        {
            raster.DrawLine(layout.PlotLeft - 4, y, layout.PlotLeft, y, Black);
            raster.DrawText(layout.PlotLeft - 6 - Raster.TextWidth(label), (int)Math.Round(y) - 3, label, Black);
        }

        foreach (var (x, label) in layout.XTicks)
        {
            raster.DrawText((int)Math.Round(x) - (Raster.TextWidth(label) / 2), bottom + 8, label, Black);
        }

        raster.DrawText(Math.Max(2, (width - Raster.TextWidth(layout.Title)) / 2), 14, layout.Title, Black);
        raster.DrawText(layout.PlotLeft, height - 14, $"BARS: EVENTS, LINE: REQUESTS, SHADED: ATTACK, DASHED: {layout.Threshold} EVENTS{(layout.DroppedLine.Count > 0 ? ", GREEN: SERVER DROPPED" : string.Empty)}", Black);
        return PngEncoder.Encode(raster);
    }
}
