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
        switch (x.DType.ElementSize())
        {
            case 4: WriteLittleEndian<int>(stream, x.AsBits<int>()); break;   // F32, I32: the bits as they are
            case 8: WriteLittleEndian<long>(stream, x.AsBits<long>()); break; // F64, I64
            default: WriteLittleEndian<byte>(stream, x.AsBits<byte>()); break; // U8, and BOOL as the bytes 0 and 1
        }
    }

    /// <summary>The safetensors name of a ChainRule dtype: F32, F64, I32, I64, BOOL, U8.</summary>
    internal static string FileType(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Bool => "BOOL",
        _ => "U8",
    };

    /// <summary>The dtype a file type loads as: itself for the six ChainRule has, Float32 for F16/BF16, Int32 for I8/I16; null if refused.</summary>
    internal static DType? LoadedType(string fileType) => fileType switch
    {
        "F32" or "F16" or "BF16" => DType.Float32,
        "F64" => DType.Float64,
        "I32" or "I16" or "I8" => DType.Int32,
        "I64" => DType.Int64,
        "BOOL" => DType.Bool,
        "U8" => DType.UInt8,
        _ => null,
    };

    private static Tensor ReadData(Stream stream, SafetensorsTensorInfo info)
    {
        var tensor = new Tensor(info.Shape, LoadedType(info.DType) ?? throw new UnreachableException($"dtype {info.DType} passed CheckLoadable."));
        switch (info.DType)
        {
            case "F32" or "I32":
                ReadLittleEndian(stream, tensor.AsBits<int>());
                break;
            case "F64" or "I64":
                ReadLittleEndian(stream, tensor.AsBits<long>());
                break;
            case "U8":
                ReadLittleEndian(stream, tensor.AsSpan<byte>());
                break;
            case "BOOL":
                ReadBools(stream, tensor.AsSpan<bool>());
                break;
            case "I8":
                ReadWidened(stream, tensor.AsSpan<int>(), static (sbyte v) => v);
                break;
            case "I16":
                ReadWidened(stream, tensor.AsSpan<int>(), static (short v) => v);
                break;
            case "F16":
                ReadWidened(stream, tensor.AsSpan<float>(), static (ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits));
                break;
            case "BF16":
                // bfloat16 is the top half of a float32: same sign and exponent, 7 of the 23 mantissa bits.
                ReadWidened(stream, tensor.AsSpan<float>(), static (ushort bits) => BitConverter.Int32BitsToSingle(bits << 16));
                break;
            default:
                throw new UnreachableException($"dtype {info.DType} passed CheckLoadable.");
        }
        return tensor;
    }

    // Narrow elements, converted one by one to a wider type, exactly: F16 and BF16 are subsets of float32, I8 and I16 of int32.
    private static void ReadWidened<TFile, T>(Stream stream, Span<T> destination, Func<TFile, T> widen)
        where TFile : unmanaged
    {
        var bits = new TFile[Math.Min(destination.Length, ChunkBytes / Unsafe.SizeOf<TFile>())];
        for (int i = 0; i < destination.Length; i += bits.Length)
        {
            Span<TFile> part = bits.AsSpan(0, Math.Min(bits.Length, destination.Length - i));
            ReadLittleEndian(stream, part);
            for (int j = 0; j < part.Length; j++)
            {
                destination[i + j] = widen(part[j]);
            }
        }
    }

    // BOOL bytes: 0 is false, anything else true (a .NET bool must hold exactly 0 or 1, so the bytes are not used as they are).
    private static void ReadBools(Stream stream, Span<bool> destination)
    {
        var bytes = new byte[Math.Min(destination.Length, ChunkBytes)];
        for (int i = 0; i < destination.Length; i += bytes.Length)
        {
            Span<byte> part = bytes.AsSpan(0, Math.Min(bytes.Length, destination.Length - i));
            stream.ReadExactly(part);
            for (int j = 0; j < part.Length; j++)
            {
                destination[i + j] = part[j] != 0;
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
            case 1:
                break;
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
