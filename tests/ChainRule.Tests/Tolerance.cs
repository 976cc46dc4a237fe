namespace ChainRule.Tests;

/// <summary>Element comparer for Assert.Equal on arrays: |a - b| &lt;= absolute + relative * |b|.</summary>
internal sealed class Tolerance(double absolute, double relative = 0) : IEqualityComparer<double>, IEqualityComparer<float>
{
    public bool Equals(double x, double y) => x == y || Math.Abs(x - y) <= absolute + (relative * Math.Abs(y)) || (double.IsNaN(x) && double.IsNaN(y));

    public bool Equals(float x, float y) => Equals((double)x, y);

    public int GetHashCode(double obj) => 0;

    public int GetHashCode(float obj) => 0;
}
