namespace ChainRule.Bench.Workloads;

/// <summary>Value of the scalar expression and its gradients dv/dx and dv/dw.</summary>
public readonly record struct ScalarGraphResult(double Value, double GradX, double GradW);
