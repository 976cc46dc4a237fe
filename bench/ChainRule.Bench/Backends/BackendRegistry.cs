using ChainRule.Bench.Workloads;

namespace ChainRule.Bench.Backends;

/// <summary>
/// The libraries compared, in table order. The first is the reference that ratios divide by.
/// ChainRule's side is one more entry here: a ChainRuleBackend class implementing IBackend.
/// </summary>
public static class BackendRegistry
{
    public static IReadOnlyList<IBackend> All { get; } =
    [
        new TorchSharpBackend(),
        new ChainRuleBackend(),
    ];

    public static IBackend Find(string name) =>
        All.FirstOrDefault(b => b.Name == name)
        ?? throw new ArgumentException($"No backend named '{name}'; registered: {string.Join(", ", All.Select(b => b.Name))}.", nameof(name));
}
