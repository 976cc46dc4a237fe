namespace ChainRule.NN;

/// <summary>A learnable Variable owned by a Module: a leaf that always requires a gradient.</summary>
public sealed class Parameter(Tensor data, string? name = null) : Variable(data, requiresGrad: true, name);
