namespace ChainRule.IO;

// The data buffer's layout: each tensor's [begin, end) must hold exactly shape * dtype bytes, and the
// tensors, sorted by offset, must tile [0, data length) with no gap, no overlap and nothing left over.
// Byte offsets in errors are absolute positions in the file (data start + begin).
public static partial class Safetensors
{
    /// <summary>The tensors sorted by their data offsets, after checking that they tile the data buffer exactly.</summary>
    private static SafetensorsTensorInfo[] CheckLayout(List<SafetensorsTensorInfo> tensors, long dataStart, long fileLength, string path)
    {
        long dataLength = fileLength - dataStart;
        // OrderBy is stable: empty tensors sharing an offset keep their header order.
        SafetensorsTensorInfo[] sorted = [.. tensors.OrderBy(t => t.Begin).ThenBy(t => t.End)];
        long next = 0;
        string? previous = null;
        foreach (SafetensorsTensorInfo t in sorted)
        {
            long at = dataStart + t.Begin;
            string offsets = $"data_offsets [{t.Begin}, {t.End}]";
            if (t.End < t.Begin)
            {
                throw new InvalidDataException(At(path, at, $"tensor '{t.Name}': {offsets} end before they begin."));
            }
            long expected = ExpectedByteLength(t, at, path);
            if (t.ByteLength != expected)
            {
                throw new InvalidDataException(At(path, at,
                    $"tensor '{t.Name}' of dtype {t.DType} and shape {t.Shape} needs {expected} bytes, but its {offsets} span {t.ByteLength}."));
            }
            if (t.Begin > next)
            {
                string after = previous is null ? "the start of the data" : $"tensor '{previous}' (which ends at data offset {next})";
                throw new InvalidDataException(At(path, dataStart + next,
                    $"{t.Begin - next} bytes between {after} and tensor '{t.Name}' ({offsets}) belong to no tensor."));
            }
            if (t.Begin < next)
            {
                throw new InvalidDataException(At(path, at,
                    $"tensor '{t.Name}' ({offsets}) overlaps tensor '{previous}', which ends at data offset {next}."));
            }
            if (t.End > dataLength)
            {
                throw new InvalidDataException(At(path, at,
                    $"tensor '{t.Name}' ({offsets}) runs past the end of the file: the data buffer holds {dataLength} bytes."));
            }
            next = t.End;
            previous = t.Name;
        }
        if (next < dataLength)
        {
            string last = previous is null ? "the header (the file has no tensors)" : $"the last tensor, '{previous}'";
            throw new InvalidDataException(At(path, dataStart + next,
                $"{dataLength - next} bytes follow {last}; the data buffer must end where its last tensor does."));
        }
        return sorted;
    }

    // Elements times bits per element, in bytes; a shape too large to address is an error, not an overflow.
    private static long ExpectedByteLength(SafetensorsTensorInfo t, long at, string path)
    {
        try
        {
            long bits = ElementBits(t.DType);
            foreach (int dim in t.Shape)
            {
                bits = checked(bits * dim);
            }
            return bits % 8 == 0 ? bits / 8
                : throw new InvalidDataException(At(path, at, $"tensor '{t.Name}' of dtype {t.DType} and shape {t.Shape} does not fill a whole number of bytes."));
        }
        catch (OverflowException)
        {
            throw new InvalidDataException(At(path, at, $"tensor '{t.Name}' of shape {t.Shape} has more elements than a file can hold."));
        }
    }
}
