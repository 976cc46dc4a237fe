using System.Buffers.Binary;
using System.Text;

namespace ChainRule.Fuzz;

/// <summary>
/// Seeded mutations of a valid input: each call applies one to four edits, chosen and placed by
/// <see cref="Random"/> alone, so (seed, input) always gives the same bytes and the same description.
/// </summary>
/// <remarks>
/// Binary edits: bit flips, a byte set to 0x00/0xFF/0x7F/0x80, truncation, a run of bytes inserted or deleted,
/// a chunk duplicated, and 2-, 4- or 8-byte integers (little- and big-endian) overwritten with boundary values
/// (0, -1, int.MaxValue, 2^31, 2^32 - 1, long.MaxValue, ...), half of them in the first 64 bytes, where headers are.
/// Text edits (for text formats, on top of those): deep nesting, very long tokens, huge numbers, and random tokens
/// of the grammar the target gives.
/// </remarks>
public sealed class Mutator(Random random, IReadOnlyList<string> tokens)
{
    private static readonly long[] s_boundaries =
    [
        0, 1, -1, 2, 7, 8, 255, 256, 0x7F, 0x80, 0xFFFF, 0x10000, int.MaxValue, int.MinValue, (long)int.MaxValue + 1,
        uint.MaxValue, (long)uint.MaxValue + 1, 1L << 40, long.MaxValue, long.MinValue, 100_000_000, 1_000_000_007,
    ];

    private static readonly string[] s_hugeNumbers =
    [
        "1e309", "-1e309", "1e-400", "99999999999999999999999", "2147483648", "-2147483649", "4294967296", "9223372036854775808",
        "NaN", "Infinity", "-0", "0e0", "1.7976931348623157e308", "3.5e38", "0x10", "1_000", "١٢٣",
    ];

    /// <summary>The mutated bytes; <paramref name="log"/> gets one line per edit.</summary>
    public byte[] Mutate(byte[] input, bool text, List<string> log)
    {
        var data = new List<byte>(input);
        int edits = 1 + random.Next(random.Next(2) == 0 ? 1 : 4);
        for (int e = 0; e < edits; e++)
        {
            int kind = random.Next(text ? 14 : 9);
            log.Add(kind < 9 ? Binary(data, kind) : Text(data, kind - 9));
        }
        return [.. data];
    }

    private string Binary(List<byte> data, int kind)
    {
        int at = Position(data.Count);
        switch (kind)
        {
            case 0 when data.Count > 0:
                int bit = random.Next(8);
                data[at] ^= (byte)(1 << bit);
                return $"flip bit {bit} of byte {at}";
            case 1 when data.Count > 0:
                byte value = new byte[] { 0x00, 0xFF, 0x7F, 0x80 }[random.Next(4)];
                data[at] = value;
                return $"set byte {at} to 0x{value:X2}";
            case 2:
                int keep = random.Next(data.Count + 1);
                data.RemoveRange(keep, data.Count - keep);
                return $"truncate to {keep} bytes";
            case 3:
                byte[] run = RandomRun();
                int from = Math.Min(at, data.Count);
                data.InsertRange(from, run);
                return $"insert {run.Length} bytes at {from}";
            case 4 when data.Count > 0:
                int count = Math.Min(1 + random.Next(random.Next(2) == 0 ? 8 : 256), data.Count - at);
                data.RemoveRange(at, count);
                return $"delete {count} bytes at {at}";
            case 5 when data.Count > 0:
                int length = Math.Min(1 + random.Next(64), data.Count - at);
                int copies = random.Next(4) == 0 ? 1 + random.Next(2000) : 1;
                byte[] chunk = [.. data.GetRange(at, length)];
                int to = random.Next(data.Count + 1);
                data.InsertRange(to, Enumerable.Repeat(chunk, copies).SelectMany(c => c));
                return $"duplicate {length} bytes from {at} {copies} times at {to}";
            case 6 or 7 or 8:
                int size = kind == 6 ? 2 : kind == 7 ? 4 : 8;
                long number = random.Next(3) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : s_boundaries[random.Next(s_boundaries.Length)];
                bool big = random.Next(2) == 0;
                int where = random.Next(2) == 0 ? Math.Min(random.Next(64), Math.Max(0, data.Count - size)) : Math.Max(0, Math.Min(at, data.Count - size));
                var bytes = new byte[8];
                if (big)
                {
                    BinaryPrimitives.WriteInt64BigEndian(bytes, number);
                }
                else
                {
                    BinaryPrimitives.WriteInt64LittleEndian(bytes, number);
                }
                byte[] field = big ? bytes[(8 - size)..] : bytes[..size];
                for (int i = 0; i < size; i++)
                {
                    if (where + i < data.Count)
                    {
                        data[where + i] = field[i];
                    }
                    else
                    {
                        data.Add(field[i]);
                    }
                }
                return $"write {size}-byte {(big ? "big" : "little")}-endian {number} at {where}";
            default:
                data.Add((byte)random.Next(256));
                return "append one random byte";
        }
    }

    private string Text(List<byte> data, int kind)
    {
        int at = Math.Min(Position(data.Count), data.Count);
        string insert;
        string what;
        switch (kind)
        {
            case 0:
                int depth = random.Next(2) == 0 ? 10 + random.Next(300) : 1000 + random.Next(100_000);
                string open = new[] { "(", "[", "{", "-", "sum(", "[[", "\"a\":{", "a^" }[random.Next(8)];
                string close = open switch { "(" or "sum(" => ")", "[" => "]", "[[" => "]]", "{" or "\"a\":{" => "}", _ => "" };
                insert = string.Concat(Enumerable.Repeat(open, depth)) + (random.Next(2) == 0 ? "1" : "") + string.Concat(Enumerable.Repeat(close, random.Next(2) == 0 ? depth : random.Next(depth + 1)));
                what = $"nest '{open}' {depth} deep";
                break;
            case 1:
                int length = random.Next(2) == 0 ? 100 + random.Next(1000) : 10_000 + random.Next(300_000);
                const string chars = "a9.,x-e\"; \n[";
                char c = chars[random.Next(chars.Length)];
                insert = new string(c, length);
                what = $"a token of {length} '{(c == '\n' ? "\\n" : c.ToString())}'";
                break;
            case 2:
                insert = s_hugeNumbers[random.Next(s_hugeNumbers.Length)];
                what = $"the number {insert}";
                break;
            case 3:
                int count = 1 + random.Next(random.Next(4) == 0 ? 2000 : 8);
                insert = string.Join(random.Next(2) == 0 ? "" : " ", Enumerable.Range(0, count).Select(_ => tokens[random.Next(tokens.Count)]));
                what = $"{count} grammar tokens";
                break;
            default:
                // replace a number in place with a boundary or huge one
                insert = random.Next(2) == 0 ? s_hugeNumbers[random.Next(s_hugeNumbers.Length)] : s_boundaries[random.Next(s_boundaries.Length)].ToString(System.Globalization.CultureInfo.InvariantCulture);
                int start = at;
                while (start < data.Count && !char.IsAsciiDigit((char)data[start]))
                {
                    start++;
                }
                int end = start;
                while (end < data.Count && (char.IsAsciiDigit((char)data[end]) || data[end] == '.'))
                {
                    end++;
                }
                data.RemoveRange(start, end - start);
                data.InsertRange(start, Encoding.UTF8.GetBytes(insert));
                return $"replace the number at {start} by {insert}";
        }
        data.InsertRange(at, Encoding.UTF8.GetBytes(insert));
        return $"insert {what} at {at}";
    }

    // Anywhere, but a header (the first 64 bytes) half the time.
    private int Position(int length) =>
        length == 0 ? 0 : random.Next(2) == 0 ? random.Next(Math.Min(64, length)) : random.Next(length);

    private byte[] RandomRun()
    {
        var run = new byte[1 + random.Next(random.Next(2) == 0 ? 8 : 512)];
        if (random.Next(2) == 0)
        {
            random.NextBytes(run);
        }
        else
        {
            Array.Fill(run, new byte[] { 0x00, 0xFF, (byte)'[', (byte)'{', (byte)'"', (byte)'9' }[random.Next(6)]);
        }
        return run;
    }
}
