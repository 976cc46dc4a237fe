// Writes the pictures of tests/fixtures/digits: digits as someone might draw or type them, not as MNIST has them.
// Drawn digits are pen strokes (lines and Bezier curves, round caps) with a wobble in every point, 2 to 40 px wide,
// in pictures of 64 to 512 px, anywhere in the picture, a little rotated, dark on light or light on dark.
// Font digits are the DejaVu fonts' glyphs (Sans, Serif, Mono; light to bold; upright, oblique, condensed).
// The label is the first character of each file name. Usage: dotnet run --project tools/digit-images [outDir]
using SkiaSharp;

string outDir = args.Length > 0 ? args[0] : "tests/fixtures/digits";
Directory.CreateDirectory(outDir);
foreach (string old in Directory.GetFiles(outDir, "*.png"))
{
    File.Delete(old);
}
var random = new Random(20261203);

// Pen strokes of each digit in a unit box (x and y in [0, 1], y down): "M x y", "L x y", "C x1 y1 x2 y2 x y", "O cx cy rx ry".
string[] strokes =
[
    "O .5 .5 .32 .48",
    "M .3 .2 L .55 0 L .55 1",
    "M .15 .25 C .15 -.05 .85 -.05 .85 .3 C .85 .55 .35 .75 .12 1 L .9 1",
    "M .15 .1 C .5 -.08 .9 .05 .78 .3 C .7 .45 .5 .48 .38 .48 M .38 .48 C .95 .5 .95 .97 .5 .99 C .35 1 .2 .96 .12 .88",
    "M .68 1 L .68 0 L .08 .7 L .92 .7",
    "M .82 0 L .3 0 L .24 .45 C .5 .33 .88 .43 .88 .7 C .88 1.02 .4 1.05 .12 .88",
    "M .72 .02 C .4 .08 .18 .4 .18 .7 C .18 1.02 .82 1.02 .82 .7 C .82 .42 .35 .38 .2 .62",
    "M .12 0 L .88 0 L .4 1",
    "O .5 .26 .25 .24 O .5 .72 .31 .27",
    "O .5 .3 .3 .29 M .8 .3 C .8 .6 .72 .85 .5 1",
];

int[] sizes = [64, 96, 128, 200, 256, 320, 400, 512];
for (int digit = 0; digit < 10; digit++)
{
    for (int k = 0; k < 2; k++)
    {
        int size = sizes[random.Next(sizes.Length)];
        float height = size * (float)(0.35 + (0.5 * random.NextDouble()));
        // 2-40 px: a fine pen (1 % to 8 % of the digit's height) for the first, a broad one (8 % to 22 %) for the second
        float width = Math.Clamp(height * (float)(k == 0 ? 0.01 + (0.07 * random.NextDouble()) : 0.08 + (0.14 * random.NextDouble())), 2, 40);
        bool dark = random.Next(2) == 0;
        string name = $"{digit}-drawn-{k + 1}-{size}px-pen{width:0}-{(dark ? "dark-ink" : "light-ink")}.png";
        Save(Path.Combine(outDir, name), size, dark, canvas =>
        {
            using var paint = new SKPaint
            {
                IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = width,
                StrokeCap = SKStrokeCap.Round, StrokeJoin = SKStrokeJoin.Round, Color = dark ? SKColors.Black : SKColors.White,
            };
            using SKPath path = Strokes(strokes[digit]);
            path.Transform(Place(size, height, height * (float)(0.55 + (0.3 * random.NextDouble())), width));
            canvas.DrawPath(path, paint);
        });
    }
}

(string File, string Name)[] fonts =
[
    ("DejaVuSans.ttf", "sans"), ("DejaVuSans-Bold.ttf", "sans-bold"), ("DejaVuSans-ExtraLight.ttf", "sans-extralight"),
    ("DejaVuSans-Oblique.ttf", "sans-oblique"), ("DejaVuSansCondensed-Bold.ttf", "sans-condensed-bold"),
    ("DejaVuSerif.ttf", "serif"), ("DejaVuSerif-Bold.ttf", "serif-bold"), ("DejaVuSerif-Italic.ttf", "serif-italic"),
    ("DejaVuSansMono.ttf", "mono"), ("DejaVuSansMono-Bold.ttf", "mono-bold"),
];
for (int digit = 0; digit < 10; digit++)
{
    for (int k = 0; k < 2; k++)
    {
        (string file, string fontName) = fonts[((digit * 3) + (k * 7)) % fonts.Length];
        using SKTypeface typeface = SKTypeface.FromFile(Path.Combine("/usr/share/fonts/truetype/dejavu", file))
            ?? throw new FileNotFoundException($"font {file} not found (apt-get install fonts-dejavu-core fonts-dejavu-extra)");
        int size = sizes[random.Next(sizes.Length)];
        float height = size * (float)(0.3 + (0.5 * random.NextDouble()));
        bool dark = random.Next(2) == 0;
        string name = $"{digit}-font-{fontName}-{size}px-{(dark ? "dark-ink" : "light-ink")}.png";
        Save(Path.Combine(outDir, name), size, dark, canvas =>
        {
            using var font = new SKFont(typeface, 100);
            using var paint = new SKPaint { IsAntialias = true, Color = dark ? SKColors.Black : SKColors.White };
            string text = digit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            font.MeasureText(text, out SKRect bounds, paint);
            canvas.SetMatrix(Place(size, height, height * bounds.Width / bounds.Height, 0));
            // the glyph's ink box onto the unit box
            canvas.Scale(1 / bounds.Width, 1 / bounds.Height);
            canvas.Translate(-bounds.Left, -bounds.Top);
            canvas.DrawText(text, 0, 0, SKTextAlign.Left, font, paint);
        });
    }
}
Console.WriteLine($"{Directory.GetFiles(outDir, "*.png").Length} pictures in {outDir}");

// The unit box onto a (boxWidth x boxHeight)-px box, rotated by up to 12 degrees, somewhere inside the picture.
SKMatrix Place(int size, float boxHeight, float boxWidth, float pen)
{
    float degrees = (float)((random.NextDouble() * 24) - 12);
    float span = Math.Max(boxWidth, boxHeight) + pen;
    float room = Math.Max(0, (size - (span * 1.15f)) / 2);
    float cx = (size / 2f) + (float)(((random.NextDouble() * 2) - 1) * room);
    float cy = (size / 2f) + (float)(((random.NextDouble() * 2) - 1) * room);
    return SKMatrix.CreateTranslation(cx, cy)
        .PreConcat(SKMatrix.CreateRotationDegrees(degrees))
        .PreConcat(SKMatrix.CreateTranslation(-boxWidth / 2, -boxHeight / 2))
        .PreConcat(SKMatrix.CreateScale(boxWidth, boxHeight));
}

// The strokes with every point moved by up to 0.04 in x and y: no two hands draw alike.
SKPath Strokes(string spec)
{
    var path = new SKPath();
    string[] t = spec.Split(' ');
    for (int i = 0; i < t.Length;)
    {
        float P(int j) => float.Parse(t[i + j], System.Globalization.CultureInfo.InvariantCulture) + (float)((random.NextDouble() * 0.08) - 0.04);
        switch (t[i])
        {
            case "M": path.MoveTo(P(1), P(2)); i += 3; break;
            case "L": path.LineTo(P(1), P(2)); i += 3; break;
            case "C": path.CubicTo(P(1), P(2), P(3), P(4), P(5), P(6)); i += 7; break;
            case "O":
                float x = P(1), y = P(2), rx = P(3), ry = P(4);
                path.AddOval(new SKRect(x - rx, y - ry, x + rx, y + ry));
                i += 5;
                break;
            default: throw new FormatException(spec);
        }
    }
    return path;
}

// A grayscale PNG: paper (white, or black for light ink) and what draw puts on it.
static void Save(string path, int size, bool darkInk, Action<SKCanvas> draw)
{
    using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque));
    using (var canvas = new SKCanvas(bitmap))
    {
        canvas.Clear(darkInk ? SKColors.White : SKColors.Black);
        draw(canvas);
    }
    using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
    File.WriteAllBytes(path, png.ToArray());
}
