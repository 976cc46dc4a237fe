namespace ChainRule.Data;

/// <summary>
/// Random image augmentation for training batches, drawn per example: a shift of up to <see cref="MaxShift"/>
/// pixels in each direction with zero padding (the same as a random crop of the zero-padded image, as
/// torchvision's RandomCrop(size, padding) does), and, when <see cref="HorizontalFlip"/>, a left-right mirror
/// with probability 1/2 (right for clothes, wrong for digits). Examples are (C, H, W) images, stored flat or not.
/// </summary>
/// <remarks>
/// The DataLoader draws every batch's offsets from a generator seeded by (seed, epoch), separate from the
/// shuffle's, so a run is reproducible and the same epoch always sees the same shifted images. Only the
/// training loader augments; evaluation never does.
/// </remarks>
public sealed record Augmentation
{
    public Augmentation(int channels, int height, int width, int maxShift = 2, bool horizontalFlip = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxShift);
        (Channels, Height, Width, MaxShift, HorizontalFlip) = (channels, height, width, maxShift, horizontalFlip);
    }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    public int MaxShift { get; }

    public bool HorizontalFlip { get; }

    /// <summary>
    /// A new batch: example i moved by (dy, dx), each uniform in [-MaxShift, MaxShift] (pixels moved in from
    /// outside are 0), after a mirror when HorizontalFlip and the draw says so. The generator gives, per example
    /// in order, dy, dx, then the flip.
    /// </summary>
    /// <exception cref="ArgumentException">The batch's examples are not Channels x Height x Width values, or not floating point.</exception>
    public Tensor Apply(Tensor batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(generator);
        int image = Channels * Height * Width;
        if (batch.Rank == 0 || batch.Size != (long)batch.Shape[0] * image || batch.DType != DType.Float32)
        {
            throw new ArgumentException($"augmentation: a float32 batch of {Channels} x {Height} x {Width} images, got {batch.DType.Name()} {batch.Shape}.");
        }
        int n = batch.Shape[0];
        float[] source = batch.Contiguous().ToArray();
        var result = new float[source.Length];
        int span = (2 * MaxShift) + 1;
        for (int e = 0; e < n; e++)
        {
            int dy = generator.NextInt(span) - MaxShift;
            int dx = generator.NextInt(span) - MaxShift;
            bool flip = HorizontalFlip && generator.NextInt(2) == 1;
            for (int c = 0; c < Channels; c++)
            {
                int plane = (e * image) + (c * Height * Width);
                for (int y = 0; y < Height; y++)
                {
                    int sy = y - dy;
                    if ((uint)sy >= (uint)Height)
                    {
                        continue; // a row moved in from outside: zeros
                    }
                    for (int x = 0; x < Width; x++)
                    {
                        int sx = x - dx;
                        if ((uint)sx < (uint)Width)
                        {
                            result[plane + (y * Width) + x] = source[plane + (sy * Width) + (flip ? Width - 1 - sx : sx)];
                        }
                    }
                }
            }
        }
        return Tensor.FromArray(result, batch.Shape);
    }
}
