namespace ChainRule.Data;

/// <summary>What a data set's target column holds; see <see cref="Csv.Load"/> for the rule <see cref="Auto"/> applies.</summary>
public enum TargetKind
{
    /// <summary>Decide from the values.</summary>
    Auto,

    /// <summary>Class labels: each distinct value is a class, numbered 0..C-1 in sorted order.</summary>
    Classification,

    /// <summary>Real numbers, kept as they are.</summary>
    Regression,
}
