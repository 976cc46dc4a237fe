using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ChainRule.IO;

// Tensor data <-> the file's little-endian bytes. On little-endian machines the bytes are the values'
// memory; on big-endian ones each element's bytes are reversed. A span of bytes cannot exceed 2 GiB, so
// data moves in chunks.
public static partial class Safetensors
{
    private const int ChunkBytes = 1 << 20;

    private static void WriteData(Stream stream, Tensor tensor)
    {
        Tensor x = tensor.Contiguous(); // row-major, whatever the view's strides
        if (x.DType == DType.Float32)
        {
            WriteLittleEndian<float>(stream, x.AsSpan<float>());
        }
        else
        {
            WriteLittleEndian<double>(stream, x.AsSpan<double>());
        }
    }

    private static Tensor ReadData(Stream stream, SafetensorsTensorInfo info)
    {
        var tensor = new Tensor(info.Shape, info.DType == "F64" ? DType.Float64 : DType.Float32);
        switch (info.DType)
        {
            case "F32":
                ReadLittleEndian(stream, tensor.AsSpan<float>());
                break;
            case "F64":
                ReadLittleEndian(stream, tensor.AsSpan<double>());
                break;
            case "F16":
                ReadWidened(stream, tensor.AsSpan<float>(), static bits => (float)BitConverter.UInt16BitsToHalf(bits));
                break;
            case "BF16":
                // bfloat16 is the top half of a float32: same sign and exponent, 7 of the 23 mantissa bits.
                ReadWidened(stream, tensor.AsSpan<float>(), static bits => BitConverter.Int32BitsToSingle(bits << 16));
                break;
            default:
                throw new UnreachableException($"dtype {info.DType} passed CheckLoadable.");
        }
        return tensor;
    }

    // 16-bit elements, converted one by one to float32 (exactly: both F16 and BF16 are subsets of float32).
    private static void ReadWidened(Stream stream, Span<float> destination, Func<ushort, float> widen)
    {
        var bits = new ushort[Math.Min(destination.Length, ChunkBytes / sizeof(ushort))];
        for (int i = 0; i < destination.Length; i += bits.Length)
        {
            Span<ushort> part = bits.AsSpan(0, Math.Min(bits.Length, destination.Length - i));
            ReadLittleEndian(stream, part);
            for (int j = 0; j < part.Length; j++)
            {
                destination[i + j] = widen(part[j]);
            }
        }
    }

    private static void ReadLittleEndian<T>(Stream stream, Span<T> destination)
        where T : unmanaged
    {
        int chunk = ChunkBytes / Unsafe.SizeOf<T>();
        for (int i = 0; i < destination.Length; i += chunk)
        {
            Span<byte> bytes = MemoryMarshal.AsBytes(destination.Slice(i, Math.Min(chunk, destination.Length - i)));
            stream.ReadExactly(bytes);
            if (!BitConverter.IsLittleEndian)
            {
                ReverseEachElement(bytes, Unsafe.SizeOf<T>());
            }
        }
    }

    private static void WriteLittleEndian<T>(Stream stream, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        int chunk = ChunkBytes / Unsafe.SizeOf<T>();
        byte[]? swapped = BitConverter.IsLittleEndian ? null : new byte[ChunkBytes];
        for (int i = 0; i < values.Length; i += chunk)
        {
            ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(values.Slice(i, Math.Min(chunk, values.Length - i)));
            if (swapped is not null)
            {
                // NOTE: reverse a copy; the values belong to the caller's tensor.
                Span<byte> copy = swapped.AsSpan(0, bytes.Length);
                bytes.CopyTo(copy);
                ReverseEachElement(copy, Unsafe.SizeOf<T>());
                bytes = copy;
            }
            stream.Write(bytes);
        }
    }

    private static void ReverseEachElement(Span<byte> bytes, int elementSize)
    {
        switch (elementSize)
        {
            case 2:
                Span<ushort> halves = MemoryMarshal.Cast<byte, ushort>(bytes);
                BinaryPrimitives.ReverseEndianness(halves, halves);
                break;
            case 4:
                Span<uint> words = MemoryMarshal.Cast<byte, uint>(bytes);
                BinaryPrimitives.ReverseEndianness(words, words);
                break;
            case 8:
                Span<ulong> doubleWords = MemoryMarshal.Cast<byte, ulong>(bytes);
                BinaryPrimitives.ReverseEndianness(doubleWords, doubleWords);
                break;
            default:
                throw new UnreachableException($"no {elementSize}-byte element type is read or written.");
        }
    }
}
