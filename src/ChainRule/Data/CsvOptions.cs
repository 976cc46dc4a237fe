namespace ChainRule.Data;

/// <summary>How <see cref="Csv.Load"/> reads a file. The defaults suit a comma-separated file whose last column is the target.</summary>
public sealed record CsvOptions
{
    /// <summary>The cell separator: ',' by default, or e.g. '\t' or ';'. Numbers always use '.' as the decimal mark.</summary>
    public char Separator { get; init; } = ',';

    /// <summary>True: the first row is a header. False: it is data. Null (the default): detected, see <see cref="Csv.Load"/>.</summary>
    public bool? HasHeader { get; init; }

    /// <summary>The target column by its header name (needs a header). Give this or <see cref="TargetIndex"/>, not both.</summary>
    public string? TargetColumn { get; init; }

    /// <summary>The target column by 0-based index, negative counting from the end. With neither set, the last column.</summary>
    public int? TargetIndex { get; init; }

    /// <summary>Classification, regression, or <see cref="TargetKind.Auto"/> (the default) to decide from the values.</summary>
    public TargetKind Target { get; init; } = TargetKind.Auto;

    /// <summary>For <see cref="TargetKind.Auto"/>: a numeric target of integers with at most this many distinct values is
    /// a class label (default 100).</summary>
    public int MaxClasses { get; init; } = 100;
}
