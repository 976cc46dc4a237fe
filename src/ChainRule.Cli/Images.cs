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
        if (codec is null)
        {
            throw new InvalidDataException($"{path}: not an image this tool can read (PNG, JPEG, BMP, GIF, WebP or PGM).");
        }
        (int width, int height) = (codec.Info.Width, codec.Info.Height);
        // checked from the header, before the native decoder allocates the bitmap: no more pixels than MaxPixels, nor
        // than a compressed file of this size plausibly holds (a 14-byte file claiming 5,000 x 5,000 is not decoded)
        long pixels = (long)width * height, plausible = SmallImagePixels + (PixelsPerByte * bytes.LongLength);
        if (pixels > MaxPixels || pixels > plausible)
        {
            throw new InvalidDataException($"{path}: the header gives a {width} x {height} image; at most {Math.Min(MaxPixels, plausible)} pixels are read from a file of {bytes.Length} bytes.");
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new InvalidDataException($"{path}: the image data is truncated or corrupt ({result}).");
        }
        ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
        var gray = new float[pixels];
        for (int i = 0; i < gray.Length; i++)
        {
            ReadOnlySpan<byte> c = rgba.Slice(4 * i, 4);
            float alpha = c[3] / 255f; // transparent pixels count as white paper
            float luma = ((0.299f * c[0]) + (0.587f * c[1]) + (0.114f * c[2])) / 255f;
            gray[i] = (luma * alpha) + (1 - alpha);
        }
        return (gray, width, height);
    }

    /// <summary>Pixels any decoded image may have (4 megapixels), and how many more each byte of its file allows.</summary>
    private const long SmallImagePixels = 1L << 22, PixelsPerByte = 24;

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
