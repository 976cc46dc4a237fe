namespace ChainRule.Bench.Harness;

/// <summary>One row of the comparison table: a quantity measured on each backend.</summary>
/// <param name="Format">Numeric format of the medians, e.g. "F1".</param>
/// <param name="Samples">Backend name to its samples; a backend without the workload is absent.</param>
/// <param name="Note">Free text, e.g. the fraction of the FMA peak.</param>
public sealed record ResultRow(
    string Section,
    string Workload,
    string Unit,
    string Format,
    Better Better,
    IReadOnlyDictionary<string, Samples> Samples,
    string Note = "");
