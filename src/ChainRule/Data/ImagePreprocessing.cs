using System.Globalization;
using System.Numerics.Tensors;

namespace ChainRule.Data;

/// <summary>
/// Turns someone's own picture (a photo, a drawing, a rendered glyph; any size) into a model's input the way
/// the images of its data set were made. A recipe is named so that a model's config.json can record it:
/// <list type="bullet">
/// <item><c>mnist</c>, as LeCun, Cortes and Burges made MNIST: crop to the ink's bounding box, scale it so
/// its longer side is 20 pixels keeping the aspect ratio (with anti-aliasing: every output pixel is the
/// average of the input area it covers), and place it in the 28 x 28 field so that its centre of mass is at
/// the centre, pixel (14, 14) (MNIST shifted by whole pixels; this shifts by fractions).</item>
/// <item><c>resize</c>: the whole picture averaged down (or up) to 28 x 28, nothing cropped or moved.</item>
/// <item><c>none</c>: the picture is used as it is and must already have the model's size.</item>
/// </list>
/// </summary>
/// <remarks>
/// Pixels come in as grayscale values in [0, 1], row by row. The data sets have light ink on a dark
/// background, so <c>mnist</c> and <c>resize</c> first look at the picture's border: when its median is above
/// 1/2 (dark ink on white paper) the picture is inverted. <c>mnist</c> then stretches the levels so that the
/// background (the border's median) becomes 0 and the brightest ink 1; the ink is what is at least 1/2 after that.
/// Strokes much thinner than MNIST's (a fine pen on a large picture) would almost vanish in the 20-pixel box, so
/// they are first thickened (grey-level dilation) until they would be about 2 pixels wide; the description says so.
/// </remarks>
public static class ImagePreprocessing
{
    public const string Mnist = "mnist";
    public const string Resize = "resize";
    public const string None = "none";

    public static IReadOnlyList<string> Recipes { get; } = [Mnist, Resize, None];

    /// <summary>The side of the box MNIST scaled every digit into, inside its 28 x 28 field (other fields: the same share).</summary>
    public const int MnistBox = 20;

    // The stroke width, in output pixels, below which mnist thickens strokes (MNIST's are about 2-3 pixels wide).
    private const double MinStrokeWidth = 2.0;

    /// <summary>
    /// The recipe the images of a data set were made with: Fashion-MNIST ("fashion", "fashion-mnist") was not
    /// made as MNIST was, so its pictures are resized; other image data (the built-in digits, a directory of
    /// MNIST-format files) is taken to be digits made as MNIST; data that are not images (CSV) have none.
    /// </summary>
    public static string ForDataSet(string name, bool images) =>
        !images ? None : name.Contains("fashion", StringComparison.OrdinalIgnoreCase) ? Resize : Mnist;

    /// <summary>
    /// The picture (width x height grayscale values in [0, 1], row-major) as a (rows, cols) tensor of light ink
    /// on dark, made by <paramref name="recipe"/>, with a few words on what was done, e.g. "inverted (dark ink on
    /// light), cropped to the ink (412x388 px), scaled to 20x19, centred by centre of mass in 28x28".
    /// </summary>
    /// <exception cref="ArgumentException">An unknown recipe; pixels that do not match the size; no ink (a picture
    /// of one shade) for mnist; a picture of another size than rows x cols for none.</exception>
    public static PreparedImage Apply(string recipe, ReadOnlySpan<float> pixels, int width, int height, int rows = 28, int cols = 28)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
        if (pixels.Length != (long)width * height)
        {
            throw new ArgumentException($"{pixels.Length} pixels for a {width}x{height} image.");
        }
        float[] image = pixels.ToArray();
        return recipe switch
        {
            Mnist => MnistLike(image, width, height, rows, cols),
            Resize => Resized(image, width, height, rows, cols),
            None => width == cols && height == rows
                ? new PreparedImage(Tensor.FromArray(image, [rows, cols]), $"used as it is ({cols}x{rows})")
                : throw new ArgumentException($"a {width}x{height} image, but with no preprocessing it must be {cols}x{rows} already."),
            _ => throw new ArgumentException($"unknown preprocessing '{recipe}'; one of {string.Join(", ", Recipes)}."),
        };
    }

    private static PreparedImage Resized(float[] image, int width, int height, int rows, int cols)
    {
        string polarity = MakeInkLight(image, width, height);
        if (width == cols && height == rows)
        {
            return new PreparedImage(Tensor.FromArray(image, [rows, cols]), $"{polarity}, {cols}x{rows} as it is");
        }
        var output = new float[rows * cols];
        Resample(image, width, (0, 0, width, height), output, cols, rows, x => x * cols / width, y => y * rows / height);
        return new PreparedImage(Tensor.FromArray(output, [rows, cols]), $"{polarity}, resized {width}x{height} to {cols}x{rows}");
    }

    private static PreparedImage MnistLike(float[] image, int width, int height, int rows, int cols)
    {
        string polarity = MakeInkLight(image, width, height);
        float background = BorderMedian(image, width, height), peak = image.Max();
        if (peak - background < 0.1f)
        {
            throw new ArgumentException($"no ink found: the image is one shade (from {background:0.##} to {peak:0.##}).");
        }
        for (int i = 0; i < image.Length; i++)
        {
            image[i] = Math.Clamp((image[i] - background) / (peak - background), 0, 1);
        }
        (int x0, int y0, int x1, int y1) = InkBox(image, width, height);
        int boxWidth = x1 - x0, boxHeight = y1 - y0;
        int side = Math.Max(1, (int)Math.Round(Math.Min(rows, cols) * MnistBox / 28.0));
        double scale = (double)side / Math.Max(boxWidth, boxHeight);
        var what = new List<string> { polarity, $"cropped to the ink ({boxWidth}x{boxHeight} px)" };

        double stroke = StrokeWidth(image, width, height, (x0, y0, x1, y1));
        int radius = (int)Math.Ceiling(((MinStrokeWidth / scale) - stroke) / 2);
        if (radius > 0)
        {
            image = Dilate(image, width, height, radius);
            what.Add($"strokes thickened ({Number(stroke)} px to {Number(stroke + (2 * radius))} px)");
            (x0, y0, x1, y1) = InkBox(image, width, height);
            (boxWidth, boxHeight) = (x1 - x0, y1 - y0);
            scale = (double)side / Math.Max(boxWidth, boxHeight);
        }

        // the area that can reach the output: the ink's box and one output pixel around it (the anti-aliased edge)
        int margin = (int)Math.Ceiling(1 / scale);
        var region = (Math.Max(0, x0 - margin), Math.Max(0, y0 - margin), Math.Min(width, x1 + margin), Math.Min(height, y1 + margin));
        (double cx, double cy) = CentreOfMass(image, width, region);
        // output x = the field's centre + (input x - cx) * scale, in coordinates where pixel c spans [c, c + 1)
        // and so has its centre at c + 0.5: the centre of mass lands on the centre of pixel (cols/2, rows/2)
        double centreX = (cols / 2) + 0.5, centreY = (rows / 2) + 0.5;
        var output = new float[rows * cols];
        Resample(image, width, region, output, cols, rows, x => centreX + ((x - cx) * scale), y => centreY + ((y - cy) * scale));
        what.Add($"scaled to {Math.Max(1, (int)Math.Round(boxWidth * scale))}x{Math.Max(1, (int)Math.Round(boxHeight * scale))}");
        what.Add($"centred by centre of mass in {cols}x{rows}");
        return new PreparedImage(Tensor.FromArray(output, [rows, cols]), string.Join(", ", what));
    }

    // Inverts a picture whose border is mostly light (dark ink on paper); says which it was.
    private static string MakeInkLight(float[] image, int width, int height)
    {
        if (BorderMedian(image, width, height) <= 0.5f)
        {
            return "light ink on dark";
        }
        for (int i = 0; i < image.Length; i++)
        {
            image[i] = 1 - image[i];
        }
        return "inverted (dark ink on light)";
    }

    private static float BorderMedian(float[] image, int width, int height)
    {
        var border = new List<float>(2 * (width + height));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (y == 0 || x == 0 || y == height - 1 || x == width - 1)
                {
                    border.Add(image[(y * width) + x]);
                }
            }
        }
        border.Sort();
        return border[border.Count / 2];
    }

    // The smallest box [x0, x1) x [y0, y1) holding every pixel of at least 1/2 (there is one: the peak is 1).
    private static (int X0, int Y0, int X1, int Y1) InkBox(float[] image, int width, int height)
    {
        int x0 = width, y0 = height, x1 = 0, y1 = 0;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (image[(y * width) + x] >= 0.5f)
                {
                    (x0, x1, y0, y1) = (Math.Min(x0, x), Math.Max(x1, x + 1), Math.Min(y0, y), Math.Max(y1, y + 1));
                }
            }
        }
        return (x0, y0, x1, y1);
    }

    // A stroke of width w and length L has area w L and about 2 L edge pixels, so w = 2 area / edge pixels.
    // Ink is what is at least 1/2; an edge pixel is ink with a 4-neighbour that is not.
    private static double StrokeWidth(float[] image, int width, int height, (int X0, int Y0, int X1, int Y1) box)
    {
        long area = 0, edge = 0;
        for (int y = box.Y0; y < box.Y1; y++)
        {
            for (int x = box.X0; x < box.X1; x++)
            {
                if (Ink(x, y))
                {
                    area++;
                    edge += Ink(x - 1, y) && Ink(x + 1, y) && Ink(x, y - 1) && Ink(x, y + 1) ? 0 : 1;
                }
            }
        }
        return 2.0 * area / Math.Max(edge, 1);

        bool Ink(int x, int y) => x >= 0 && y >= 0 && x < width && y < height && image[(y * width) + x] >= 0.5f;
    }

    // Grey-level dilation by a (2 radius + 1) square: the largest value in each window, along rows then columns.
    private static float[] Dilate(float[] image, int width, int height, int radius)
    {
        // rows: a running maximum along each (contiguous) row; the image has radius rows of 0 above it
        int rows = height + radius;
        var source = new float[rows * width];
        for (int y = 0; y < height; y++)
        {
            MaxFilter(image.AsSpan(y * width, width), source.AsSpan((y + radius) * width, width), radius);
        }
        // columns, whole rows at a time: row y holds the maximum of rows [y, y + window), and one step of
        // max(row y, row y + step) makes that [y, y + window + step), until the window is 2 radius + 1 rows
        var destination = new float[source.Length];
        for (int window = 1; window < (2 * radius) + 1;)
        {
            int step = Math.Min(window, (2 * radius) + 1 - window), shifted = (rows - step) * width;
            TensorPrimitives.Max(source.AsSpan(0, shifted), source.AsSpan(step * width), destination.AsSpan(0, shifted));
            source.AsSpan(shifted).CopyTo(destination.AsSpan(shifted)); // the last rows: nothing (0) below them
            (source, destination) = (destination, source);
            window += step;
        }
        // row y now holds rows [y - radius, y + radius] of the image
        return source.AsSpan(0, height * width).ToArray();
    }

    /// <summary>
    /// result[i] = the largest of values[i - radius .. i + radius] (the window cut at the ends), in time linear in
    /// the length whatever the radius: a queue holds the indices of the window's candidates, their values decreasing.
    /// </summary>
    internal static void MaxFilter(ReadOnlySpan<float> values, Span<float> result, int radius)
    {
        int n = values.Length;
        var queue = new int[n];
        int head = 0, tail = 0;
        for (int i = 0; i < n + radius; i++)
        {
            if (i < n)
            {
                while (tail > head && values[queue[tail - 1]] <= values[i])
                {
                    tail--; // never the largest again: values[i] is as large and stays in windows longer
                }
                queue[tail++] = i;
            }
            int centre = i - radius;
            if (centre >= 0)
            {
                while (queue[head] < centre - radius)
                {
                    head++;
                }
                result[centre] = values[queue[head]];
            }
        }
    }

    // The intensity-weighted mean position in the region, with pixel x's centre at x + 0.5.
    private static (double X, double Y) CentreOfMass(float[] image, int width, (int X0, int Y0, int X1, int Y1) region)
    {
        double mass = 0, sx = 0, sy = 0;
        for (int y = region.Y0; y < region.Y1; y++)
        {
            for (int x = region.X0; x < region.X1; x++)
            {
                float v = image[(y * width) + x];
                (mass, sx, sy) = (mass + v, sx + (v * (x + 0.5)), sy + (v * (y + 0.5)));
            }
        }
        return (sx / mass, sy / mass);
    }

    /// <summary>
    /// Area resampling: input x maps to output mapX(x) (a linear map, increasing), and each output pixel is the
    /// mean of the input over the area it covers; input outside the region counts as 0.
    /// </summary>
    private static void Resample(
        float[] image, int width, (int X0, int Y0, int X1, int Y1) region, float[] output, int cols, int rows,
        Func<double, double> mapX, Func<double, double> mapY)
    {
        List<(int Index, double Weight)>[] columns = Overlaps(region.X0, region.X1, cols, mapX);
        List<(int Index, double Weight)>[] lines = Overlaps(region.Y0, region.Y1, rows, mapY);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                double sum = 0;
                foreach ((int y, double wy) in lines[r])
                {
                    foreach ((int x, double wx) in columns[c])
                    {
                        sum += wy * wx * image[(y * width) + x];
                    }
                }
                output[(r * cols) + c] = (float)Math.Clamp(sum, 0, 1);
            }
        }
    }

    // For each output pixel [c, c + 1): the input pixels of [from, to) it overlaps, each weighted by the overlap
    // in output units (so the weights of a fully covered output pixel add up to 1).
    private static List<(int Index, double Weight)>[] Overlaps(int from, int to, int count, Func<double, double> map)
    {
        var result = new List<(int, double)>[count];
        for (int c = 0; c < count; c++)
        {
            result[c] = [];
        }
        for (int i = from; i < to; i++)
        {
            double start = map(i), end = map(i + 1);
            for (int c = Math.Max(0, (int)Math.Floor(start)); c < Math.Min(count, (int)Math.Ceiling(end)); c++)
            {
                double overlap = Math.Min(end, c + 1) - Math.Max(start, c);
                if (overlap > 0)
                {
                    result[c].Add((i, overlap));
                }
            }
        }
        return result;
    }

    private static string Number(double value) => value.ToString(value < 10 ? "0.#" : "0", CultureInfo.InvariantCulture);
}

/// <summary>A picture made into a model's input: the (rows, cols) image, and what was done to it in a few words.</summary>
public sealed record PreparedImage(Tensor Image, string Description);
