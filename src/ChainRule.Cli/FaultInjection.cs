using System.Diagnostics;
using System.Globalization;

namespace ChainRule.Cli;

/// <summary>
/// For the crash tests: CHAINRULE_FAULT_AT=STAGE or STAGE:N kills this process (SIGKILL, no cleanup of any kind) the
/// Nth time (default the first) a checkpoint commit or a publish reaches STAGE: model-written, files-written,
/// folder-renamed, manifest-written, cleaned, published-model.safetensors, published-config.json,
/// published-metrics.csv. Unset, it does nothing.
/// </summary>
internal static class FaultInjection
{
    private static readonly (string Stage, int Hit)? s_target = Parse(Environment.GetEnvironmentVariable("CHAINRULE_FAULT_AT"));
    private static int s_hits;

    public static void Hit(string stage)
    {
        if (s_target is { } t && t.Stage == stage && ++s_hits == t.Hit)
        {
            Process.GetCurrentProcess().Kill();
        }
    }

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        int colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? (value[..colon], n)
            : (value, 1);
    }
}
