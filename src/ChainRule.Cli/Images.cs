using System.Text;
using ChainRule.Data;
using SkiaSharp;

namespace ChainRule.Cli;

/// <summary>
/// Reads an image file as grayscale values in [0, 1] and makes it into a model's input with a recipe of
/// <see cref="ImagePreprocessing"/> (the one its data set was made with). PGM (P2 text or P5 binary) is parsed
/// here; PNG and other formats go through SkiaSharp.
/// </summary>
public static class Images
{
    public static PreparedImage Load(string path, int rows, int cols, string recipe)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such image file.", path);
        }
        byte[] bytes = File.ReadAllBytes(path);
        (float[] pixels, int width, int height) = bytes.Length > 2 && bytes[0] == 'P' && (bytes[1] == '2' || bytes[1] == '5')
            ? ReadPgm(bytes, path) : Decode(bytes, path);
        try
        {
            return ImagePreprocessing.Apply(recipe, pixels, width, height, rows, cols);
        }
        catch (ArgumentException e)
        {
            throw new UserException($"{path}: {e.Message}");
        }
    }

    private static (float[] Pixels, int Width, int Height) Decode(byte[] bytes, string path)
    {
        using SKCodec? codec = SKCodec.Create(new MemoryStream(bytes));
        if (codec is not null && (long)codec.Info.Width * codec.Info.Height > MaxPixels)
        {
            // checked from the header, before the native decoder allocates the bitmap
            throw new InvalidDataException($"{path}: a {codec.Info.Width} x {codec.Info.Height} image; at most {MaxPixels} pixels are read.");
        }
        using SKBitmap? bitmap = codec is null ? null : SKBitmap.Decode(codec);
        if (bitmap is null)
        {
            throw new InvalidDataException($"{path}: not an image this tool can read (PNG, JPEG, BMP, GIF, WebP or PGM).");
        }
        SKColor[] colors = bitmap.Pixels; // row by row, in one call (GetPixel per pixel takes seconds on a photo)
        var pixels = new float[colors.Length];
        for (int i = 0; i < colors.Length; i++)
        {
            SKColor c = colors[i];
            float alpha = c.Alpha / 255f; // transparent pixels count as white paper
            float gray = ((0.299f * c.Red) + (0.587f * c.Green) + (0.114f * c.Blue)) / 255f;
            pixels[i] = (gray * alpha) + (1 - alpha);
        }
        return (pixels, bitmap.Width, bitmap.Height);
    }

    /// <summary>The largest image read (64 megapixels): its float pixels take 256 MB.</summary>
    private const long MaxPixels = 1L << 26;

    // Netpbm graymap: "P2" or "P5", width, height, maxval (whitespace and # comments between), then the pixels.
    private static (float[] Pixels, int Width, int Height) ReadPgm(byte[] bytes, string path)
    {
        int position = 2;
        int width = Header(), height = Header(), max = Header();
        if (width < 1 || height < 1 || max is < 1 or > 65535)
        {
            throw new InvalidDataException($"{path}: PGM header gives width {width}, height {height}, maxval {max}.");
        }
        bool binary = bytes[1] == '5';
        int size = max < 256 ? 1 : 2;
        position++; // the single whitespace after maxval
        // sizes against the bytes present before allocating: P5 stores size bytes a pixel, P2 at least a digit and a space
        long count = (long)width * height;
        long available = Math.Max(0, bytes.Length - position);
        long needed = binary ? count * size : (2 * count) - 1;
        if (count > MaxPixels || needed > available)
        {
            throw new InvalidDataException(count > MaxPixels
                ? $"{path}: PGM header gives {width} x {height} pixels; at most {MaxPixels} are read."
                : $"{path}: byte {bytes.Length}: PGM header gives {width} x {height} pixels, which need at least {needed} bytes of data; the file has {available}.");
        }
        var pixels = new float[count];
        for (int i = 0; i < pixels.Length; i++)
        {
            int value;
            if (binary)
            {
                if (position + size > bytes.Length)
                {
                    throw new InvalidDataException($"{path}: byte {position}: PGM data ends after {i} of {pixels.Length} pixels.");
                }
                value = size == 1 ? bytes[position] : (bytes[position] << 8) | bytes[position + 1];
                position += size;
            }
            else
            {
                value = Header();
            }
            pixels[i] = (float)value / max;
        }
        return (pixels, width, height);

        int Header()
        {
            while (position < bytes.Length && (char.IsWhiteSpace((char)bytes[position]) || bytes[position] == '#'))
            {
                if (bytes[position] == '#')
                {
                    while (position < bytes.Length && bytes[position] != '\n')
                    {
                        position++;
                    }
                }
                position++;
            }
            int start = position;
            while (position < bytes.Length && char.IsAsciiDigit((char)bytes[position]))
            {
                position++;
            }
            if (position == start)
            {
                throw new InvalidDataException($"{path}: byte {start}: expected a number in the PGM file.");
            }
            if (position - start > 9)
            {
                throw new InvalidDataException($"{path}: byte {start}: the number {Encoding.ASCII.GetString(bytes, start, Math.Min(position - start, 20))} in the PGM file is too large.");
            }
            return int.Parse(Encoding.ASCII.GetString(bytes, start, position - start), System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
