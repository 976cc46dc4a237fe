using ChainRule.Data;

namespace ChainRule.Tests.Data;

// The geometry of the mnist recipe against numbers worked out by hand: the ink's box, the 20-pixel scale with the
// aspect kept, the area kept by the anti-aliased resampling, the centre of mass on pixel (14, 14).
public class ImagePreprocessingTests
{
    // A width x height picture of white paper (1) with black (0) filled rectangles (x, y, w, h) on it.
    private static float[] Paper(int width, int height, params (int X, int Y, int W, int H)[] ink)
    {
        float[] pixels = [.. Enumerable.Repeat(1f, width * height)];
        foreach ((int x0, int y0, int w, int h) in ink)
        {
            for (int y = y0; y < y0 + h; y++)
            {
                for (int x = x0; x < x0 + w; x++)
                {
                    pixels[(y * width) + x] = 0;
                }
            }
        }
        return pixels;
    }

    // Mass, centre of mass (pixel x's centre at x) and the box of the pixels above 0.01 of a 28 x 28 image.
    private static (double Mass, double X, double Y, int Width, int Height) Measure(Tensor image)
    {
        float[] v = image.ToArray();
        double mass = 0, sx = 0, sy = 0;
        int x0 = 28, y0 = 28, x1 = -1, y1 = -1;
        for (int i = 0; i < v.Length; i++)
        {
            (int x, int y) = (i % 28, i / 28);
            (mass, sx, sy) = (mass + v[i], sx + (v[i] * x), sy + (v[i] * y));
            if (v[i] > 0.01f)
            {
                (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
            }
        }
        return (mass, sx / mass, sy / mass, x1 - x0 + 1, y1 - y0 + 1);
    }

    [Fact]
    public void Mnist_crops_to_the_ink_scales_the_longer_side_to_20_and_keeps_the_aspect()
    {
        // a 120 x 30 black bar at (20, 130) on a 200 x 300 white page: scale 20/120, so 20 x 5 and area 100
        PreparedImage result = ImagePreprocessing.Apply("mnist", Paper(200, 300, (20, 130, 120, 30)), 200, 300);

        Assert.Equal(new Shape(28, 28), result.Image.Shape);
        Assert.Equal("inverted (dark ink on light), cropped to the ink (120x30 px), scaled to 20x5, centred by centre of mass in 28x28", result.Description);
        (double mass, double x, double y, int w, int h) = Measure(result.Image);
        Assert.Equal(100, mass, 1e-3);
        Assert.InRange(w, 20, 21); // 21 where the bar straddles pixel edges
        Assert.InRange(h, 5, 6);
        Assert.Equal(14, x, 1e-3);
        Assert.Equal(14, y, 1e-3);
    }

    [Theory]
    [InlineData(64, 3, 5)]
    [InlineData(300, 240, 10)]
    [InlineData(517, 11, 400)]
    public void Mnist_puts_the_centre_of_mass_on_pixel_14_14_wherever_the_ink_is(int size, int x, int y)
    {
        // an L (a tall stem and a foot to the right): its centre of mass is not the middle of its box
        int stem = size / 4, thick = Math.Max(2, size / 20);
        float[] page = Paper(size + 600, size + 600, (x, y, thick, stem), (x, y + stem - thick, stem / 2, thick));
        PreparedImage result = ImagePreprocessing.Apply("mnist", page, size + 600, size + 600);

        (double _, double cx, double cy, int _, int h) = Measure(result.Image);
        Assert.Equal(14, cx, 0.1);
        Assert.Equal(14, cy, 0.1);
        Assert.InRange(h, 20, 21);
    }

    [Fact]
    public void Light_ink_on_dark_is_not_inverted_and_the_levels_are_stretched()
    {
        // grey ink (0.6) on a dark grey page (0.2): the background becomes 0 and the ink 1
        float[] page = [.. Enumerable.Repeat(0.2f, 100 * 100)];
        for (int y = 30; y < 70; y++)
        {
            for (int x = 45; x < 55; x++)
            {
                page[(y * 100) + x] = 0.6f;
            }
        }
        PreparedImage result = ImagePreprocessing.Apply("mnist", page, 100, 100);

        Assert.StartsWith("light ink on dark, cropped to the ink (10x40 px), scaled to 5x20,", result.Description);
        Assert.Equal(100, Measure(result.Image).Mass, 1e-3);
        Assert.Equal(1f, result.Image.ToArray().Max(), 1e-6f);
    }

    [Fact]
    public void A_fine_pen_on_a_large_picture_is_thickened_to_about_two_output_pixels()
    {
        // a 2-px line 400 px long: 0.1 output pixels wide at scale 20/400, so it is widened first
        PreparedImage result = ImagePreprocessing.Apply("mnist", Paper(500, 500, (250, 50, 2, 400)), 500, 500);

        Assert.Contains("strokes thickened (2 px to ", result.Description);
        float[] middleRow = result.Image.Select(0, 14).ToArray();
        Assert.InRange(middleRow.Sum(), 1.7, 2.6); // the line's width in output pixels
        Assert.InRange(middleRow.Max(), 0.9f, 1f);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(7, 2)]
    [InlineData(50, 3)]
    [InlineData(50, 60)]
    public void The_running_maximum_matches_the_maximum_of_each_window(int n, int radius)
    {
        var random = new Random(n + radius);
        float[] values = [.. Enumerable.Range(0, n).Select(_ => (float)random.Next(5))]; // ties on purpose
        var result = new float[n];
        ImagePreprocessing.MaxFilter(values, result, radius);
        for (int i = 0; i < n; i++)
        {
            int from = Math.Max(0, i - radius), to = Math.Min(n - 1, i + radius);
            Assert.Equal(values[from..(to + 1)].Max(), result[i]);
        }
    }

    [Fact]
    public void An_mnist_digit_comes_back_nearly_unchanged()
    {
        // MNIST's digits were made this way already: same box, same place, up to the sub-pixel shift
        (Dataset _, Dataset test) = Mnist.Digits();
        double total = 0;
        for (int i = 0; i < 200; i++)
        {
            float[] digit = test.Features.Select(0, i).ToArray();
            PreparedImage result = ImagePreprocessing.Apply("mnist", digit, 28, 28);
            float[] again = result.Image.ToArray();
            double difference = digit.Zip(again, (a, b) => Math.Abs(a - b)).Average();
            Assert.True(difference < 0.1, $"test digit {i}: mean |difference| {difference:0.000}");
            total += difference;
            (double _, double cx, double cy, int _, int _) = Measure(result.Image);
            Assert.InRange(cx, 13.5, 14.5);
            Assert.InRange(cy, 13.5, 14.5);
        }
        Assert.True(total / 200 < 0.035, $"mean |difference| {total / 200:0.0000}");
    }

    [Fact]
    public void Resize_averages_the_whole_picture_and_none_takes_it_as_it_is()
    {
        // 56 x 56 of 2 x 2 blocks: averaging halves it back to the 28 x 28 original (inverted: dark on light)
        var random = new Random(3);
        float[] small = [.. Enumerable.Range(0, 784).Select(_ => (float)random.NextDouble())];
        for (int i = 0; i < 784; i++)
        {
            small[i] = i % 28 is 0 or 27 || i / 28 is 0 or 27 ? 0 : small[i]; // a light border once inverted
        }
        float[] large = [.. Enumerable.Range(0, 56 * 56).Select(i => 1 - small[((i / 56 / 2) * 28) + (i % 56 / 2)])];
        PreparedImage resized = ImagePreprocessing.Apply("resize", large, 56, 56);

        Assert.Equal("inverted (dark ink on light), resized 56x56 to 28x28", resized.Description);
        Assert.Equal(small, resized.Image.ToArray(), new FloatComparer(1e-5f));
        Assert.Equal("used as it is (28x28)", ImagePreprocessing.Apply("none", small, 28, 28).Description);
        Assert.Equal(small, ImagePreprocessing.Apply("none", small, 28, 28).Image.ToArray());
    }

    [Fact]
    public void Blank_pictures_unknown_recipes_and_wrong_sizes_are_refused()
    {
        Assert.Contains("no ink found", Assert.Throws<ArgumentException>(() => ImagePreprocessing.Apply("mnist", Paper(50, 40), 50, 40)).Message);
        Assert.Contains("unknown preprocessing 'sharpen'; one of mnist, resize, none", Assert.Throws<ArgumentException>(() => ImagePreprocessing.Apply("sharpen", Paper(28, 28), 28, 28)).Message);
        Assert.Contains("a 50x40 image, but with no preprocessing it must be 28x28", Assert.Throws<ArgumentException>(() => ImagePreprocessing.Apply("none", Paper(50, 40), 50, 40)).Message);
        Assert.Contains("100 pixels for a 50x40 image", Assert.Throws<ArgumentException>(() => ImagePreprocessing.Apply("mnist", new float[100], 50, 40)).Message);
    }

    [Theory]
    [InlineData("digits", true, "mnist")]
    [InlineData("my-digits", true, "mnist")]
    [InlineData("fashion-mnist", true, "resize")]
    [InlineData("housing", false, "none")]
    public void A_data_set_names_its_recipe(string name, bool images, string recipe) =>
        Assert.Equal(recipe, ImagePreprocessing.ForDataSet(name, images));

    private sealed class FloatComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
