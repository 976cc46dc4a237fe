namespace ChainRule.Data;

/// <summary>
/// Element type of an IDX file: the third byte of the file, with the code it has on disk. Sizes are
/// 1, 1, 2, 4, 4 and 8 bytes; every multi-byte value is big-endian.
/// </summary>
public enum IdxType : byte
{
    /// <summary>Unsigned byte (the MNIST images and labels).</summary>
    UInt8 = 0x08,
    Int8 = 0x09,
    Int16 = 0x0B,
    Int32 = 0x0C,
    Float32 = 0x0D,
    Float64 = 0x0E,
}
