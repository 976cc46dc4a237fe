using System.Numerics;

namespace ChainRule.Kernels;

// Parameter updates over spans, one pass each (llm.c's gpt2_update). p: parameter, g: gradient,
// state buffers alongside; all spans have the same length. The equations are PyTorch's.
internal static class OptimizerSteps
{
    /// <summary>
    /// SGD: g' = g + wd p; with momentum, buf = mu buf + (1 - dampening) g' (buf = g' on the first step) and
    /// g' = nesterov ? g' + mu buf : buf; then p -= lr g'.
    /// </summary>
    public static void Sgd<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> velocity, T lr, T momentum, T dampening, T weightDecay, bool nesterov, bool firstStep)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < p.Length; i++)
        {
            T grad = g[i] + (weightDecay * p[i]);
            if (momentum != T.Zero)
            {
                T buf = firstStep ? grad : (momentum * velocity[i]) + ((T.One - dampening) * grad);
                velocity[i] = buf;
                grad = nesterov ? grad + (momentum * buf) : buf;
            }
            p[i] -= lr * grad;
        }
    }

    /// <summary>
    /// Adam (Kingma and Ba, 2015), and AdamW (Loshchilov and Hutter, 2019) when decoupled:
    /// AdamW first shrinks p by (1 - lr wd); Adam instead adds wd p to g. Then m = b1 m + (1 - b1) g,
    /// v = b2 v + (1 - b2) g^2, p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), t the step number from 1.
    /// </summary>
    public static void Adam<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, T lr, T beta1, T beta2, T epsilon, T weightDecay, bool decoupled, int step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T correction1 = T.One - T.Pow(beta1, T.CreateTruncating(step));
        T correction2 = T.One - T.Pow(beta2, T.CreateTruncating(step));
        for (int i = 0; i < p.Length; i++)
        {
            T grad = g[i];
            if (decoupled)
            {
                p[i] *= T.One - (lr * weightDecay);
            }
            else
            {
                grad += weightDecay * p[i];
            }
            m[i] = (beta1 * m[i]) + ((T.One - beta1) * grad);
            v[i] = (beta2 * v[i]) + ((T.One - beta2) * grad * grad);
            T mHat = m[i] / correction1;
            T vHat = v[i] / correction2;
            p[i] -= lr * mHat / (T.Sqrt(vHat) + epsilon);
        }
    }
}
