namespace Moat.Defense.Charts;

/// <summary>An RGB pixel buffer with the few primitives the chart needs: rectangles, lines, text.</summary>
internal sealed class Raster
{
    public Raster(int width, int height)
    {
        Width = width;
        Height = height;
        Pixels = new byte[width * height * 3];
        Array.Fill(Pixels, (byte)0xFF);
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Pixels { get; }

    public void SetPixel(int x, int y, uint rgb, double alpha = 1)
    {
        if (x < 0 || y < 0 || x >= Width || y >= Height)
        {
            return;
        }

        var offset = ((y * Width) + x) * 3;
        for (var channel = 0; channel < 3; channel++)
        {
            var value = (byte)(rgb >> (16 - (8 * channel)));
            Pixels[offset + channel] = alpha >= 1 ? value : (byte)Math.Round((Pixels[offset + channel] * (1 - alpha)) + (value * alpha));
        }
    }

    public void FillRectangle(double x, double y, double width, double height, uint rgb, double alpha = 1)
    {
        var x0 = (int)Math.Round(x);
        var y0 = (int)Math.Round(y);
        var x1 = Math.Max(x0 + 1, (int)Math.Round(x + width));
        var y1 = (int)Math.Round(y + height);
        for (var py = Math.Max(0, y0); py < Math.Min(Height, y1); py++)
        {
            for (var px = Math.Max(0, x0); px < Math.Min(Width, x1); px++)
            {
                SetPixel(px, py, rgb, alpha);
            }
        }
    }

    /// <summary>Bresenham line; <paramref name="dash"/> &gt; 0 draws dash-on/dash-off segments.</summary>
    public void DrawLine(double fromX, double fromY, double toX, double toY, uint rgb, int dash = 0)
    {
        int x0 = (int)Math.Round(fromX), y0 = (int)Math.Round(fromY), x1 = (int)Math.Round(toX), y1 = (int)Math.Round(toY);
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0);
        int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
        var error = dx + dy;
        var step = 0;
        while (true)
        {
            if (dash == 0 || (step / dash) % 2 == 0)
            {
                SetPixel(x0, y0, rgb);
            }

            step++;
            if (x0 == x1 && y0 == y1)
            {
                break;
            }

            var doubled = 2 * error;
            if (doubled >= dy)
            {
                error += dy;
                x0 += sx;
            }

            if (doubled <= dx)
            {
                error += dx;
                y0 += sy;
            }
        }
    }

    /// <summary>Draws text with the 5×7 font, upper-casing letters; returns the width drawn.</summary>
    public int DrawText(int x, int y, string text, uint rgb, int scale = 1)
    {
        var cursor = x;
        foreach (var character in text)
        {
            var glyph = BitmapFont.Glyph(character);
            for (var column = 0; column < 5; column++)
            {
                for (var row = 0; row < 7; row++)
                {
                    if ((glyph[column] & (1 << row)) != 0)
                    {
                        FillRectangle(cursor + (column * scale), y + (row * scale), scale, scale, rgb);
                    }
                }
            }

            cursor += 6 * scale;
        }

        return cursor - x;
    }

    public static int TextWidth(string text, int scale = 1) => text.Length * 6 * scale;
}
