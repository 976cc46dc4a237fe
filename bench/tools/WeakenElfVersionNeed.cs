// An MSBuild task, compiled on the fly by RoslynCodeTaskFactory (see LibTorchSharpGlibcxx.targets).
//
// Marks one required symbol version of an ELF64 shared library as weak, so that glibc's loader
// accepts the library even when the system's provider lacks that version.
//
// Why: TorchSharp 0.107.0's libLibTorchSharp.so was linked against GCC 13's libstdc++ and names
// GLIBCXX_3.4.32 in its .gnu.version_r section; Debian 12 ships GLIBCXX up to 3.4.30, so dlopen
// fails. The only symbol at that version is std::ios_base_library_init(), which nothing calls
// (shared/TORCHSHARP.md). glibc (elf/dl-version.c, match_symbol) treats a missing version whose
// Vernaux entry carries VER_FLG_WEAK as non-fatal. Setting that flag changes two bytes of
// metadata and no code.
//
// ELF layout used (all little-endian, ELF64; see elf.h):
//   Elf64_Ehdr: e_shoff u64 @0x28, e_shentsize u16 @0x3A, e_shnum u16 @0x3C
//   Elf64_Shdr: sh_type u32 @0x04, sh_offset u64 @0x18, sh_size u64 @0x20, sh_link u32 @0x28,
//               sh_info u32 @0x2C (for SHT_GNU_verneed: the number of Verneed entries)
//   Elf64_Verneed (16 bytes): vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
//   Elf64_Vernaux (16 bytes): vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
//
// Idempotent: a flag that is already set is left alone. The file is rewritten through a temporary
// file and a rename, so a hard link into the NuGet cache would be broken rather than patched.
// Fails the build when a file is not an ELF64 little-endian library, or when the version name
// occurs in the file but no Vernaux entry carries it (a layout this task does not understand).
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenElfVersionNeed : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    // The version to weaken, e.g. GLIBCXX_3.4.32.
    [Required]
    public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        foreach (ITaskItem item in Files)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                Patch(path);
            }
            catch (InvalidDataException e)
            {
                Log.LogError("{0}: {1}", path, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    private void Patch(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 0x40 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file (bad magic at offset 0)");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("expected ELF64 little-endian (EI_CLASS=2, EI_DATA=1 at offsets 4 and 5)");

        ulong shoff = ReadU64(elf, 0x28);
        int shentsize = ReadU16(elf, 0x3A);
        int shnum = ReadU16(elf, 0x3C);

        int found = 0;
        int weakened = 0;
        for (int s = 0; s < shnum; s++)
        {
            int sh = Checked(elf, shoff + (ulong)(s * shentsize), 0x40, "section header");
            if (ReadU32(elf, sh + 0x04) != ShtGnuVerneed)
                continue;

            int verneed = Checked(elf, ReadU64(elf, sh + 0x18), 16, ".gnu.version_r");
            uint needCount = ReadU32(elf, sh + 0x2C);
            int strtabHeader = Checked(elf, shoff + ReadU32(elf, sh + 0x28) * (ulong)shentsize, 0x40, "linked string table header");
            ulong strtab = ReadU64(elf, strtabHeader + 0x18);

            int need = verneed;
            for (uint n = 0; n < needCount; n++)
            {
                int auxCount = ReadU16(elf, need + 2);
                int aux = Checked(elf, (ulong)need + ReadU32(elf, need + 8), 16, "Vernaux");
                for (int a = 0; a < auxCount; a++)
                {
                    string name = ReadCString(elf, Checked(elf, strtab + ReadU32(elf, aux + 8), 1, "version name"));
                    if (name == VersionName)
                    {
                        found++;
                        ushort flags = ReadU16(elf, aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            WriteU16(elf, aux + 4, (ushort)(flags | VerFlgWeak));
                            weakened++;
                        }
                    }
                    aux = Checked(elf, (ulong)aux + ReadU32(elf, aux + 12), 16, "Vernaux");
                }
                need = Checked(elf, (ulong)need + ReadU32(elf, need + 12), 16, "Verneed");
            }
        }

        if (found == 0)
        {
            if (IndexOf(elf, Encoding.ASCII.GetBytes(VersionName)) >= 0)
                throw new InvalidDataException($"mentions {VersionName} but no .gnu.version_r entry carries it; cannot weaken it");
            Log.LogMessage(MessageImportance.High, "{0}: does not require {1}; left unchanged", path, VersionName);
            return;
        }
        if (weakened == 0)
        {
            Log.LogMessage(MessageImportance.High, "{0}: {1} already weak", path, VersionName);
            return;
        }

        string temporary = path + ".weaken.tmp";
        File.WriteAllBytes(temporary, elf);
        File.Delete(path);
        File.Move(temporary, path);
        Log.LogMessage(MessageImportance.High, "{0}: marked {1} weak (VER_FLG_WEAK)", path, VersionName);
    }

    // Returns offset as an int after checking that [offset, offset + length) lies inside the file.
    private static int Checked(byte[] elf, ulong offset, int length, string what)
    {
        if (offset > (ulong)(elf.Length - length))
            throw new InvalidDataException($"{what} at offset 0x{offset:x} lies outside the file ({elf.Length} bytes)");
        return (int)offset;
    }

    private static ushort ReadU16(byte[] b, int i) => (ushort)(b[i] | b[i + 1] << 8);

    private static uint ReadU32(byte[] b, int i) => (uint)(b[i] | b[i + 1] << 8 | b[i + 2] << 16 | b[i + 3] << 24);

    private static ulong ReadU64(byte[] b, int i) => ReadU32(b, i) | (ulong)ReadU32(b, i + 4) << 32;

    private static void WriteU16(byte[] b, int i, ushort value)
    {
        b[i] = (byte)value;
        b[i + 1] = (byte)(value >> 8);
    }

    private static string ReadCString(byte[] b, int i)
    {
        int end = i;
        while (end < b.Length && b[end] != 0)
            end++;
        return Encoding.ASCII.GetString(b, i, end - i);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i <= haystack.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
                j++;
            if (j == needle.Length)
                return i;
        }
        return -1;
    }
}
