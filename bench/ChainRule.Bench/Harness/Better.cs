namespace ChainRule.Bench.Harness;

/// <summary>Which direction of a table row is good; Same marks a check that both libraries should match.</summary>
public enum Better
{
    Higher,
    Lower,
    Same,
}
