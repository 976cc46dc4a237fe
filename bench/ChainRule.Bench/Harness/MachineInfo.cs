using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ChainRule.Bench.Workloads;

namespace ChainRule.Bench.Harness;

/// <summary>What the numbers were measured on: CPU, cores, SIMD width, OS, runtime, library versions.</summary>
public static class MachineInfo
{
    public static IReadOnlyList<(string Key, string Value)> Describe(IEnumerable<IBackend> backends) =>
    [
        ("CPU", CpuModel()),
        ("Cores", $"{Environment.ProcessorCount} logical"),
        ("SIMD", Vector512.IsHardwareAccelerated ? "Vector512 (AVX-512)" : Vector256.IsHardwareAccelerated ? "Vector256" : "Vector128"),
        ("OS", RuntimeInformation.OSDescription),
        (".NET", RuntimeInformation.FrameworkDescription),
        .. backends.Select(b => (b.Name, b.Version)),
    ];

    private static string CpuModel()
    {
        const string Path = "/proc/cpuinfo";
        if (!File.Exists(Path))
            return RuntimeInformation.ProcessArchitecture.ToString();
        string? line = File.ReadLines(Path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        string model = line is null ? "unknown" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        string? family = File.ReadLines(Path).FirstOrDefault(l => l.StartsWith("cpu family", StringComparison.Ordinal));
        return family is null ? model : $"{model} (family {family[(family.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()})";
    }
}
