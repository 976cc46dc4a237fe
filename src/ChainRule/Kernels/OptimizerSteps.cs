using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace ChainRule.Kernels;

// Parameter updates over spans, each one fused pass (llm.c's gpt2_update). p: parameter, g: gradient,
// state buffers alongside; all spans have the same length. The equations are PyTorch's. Each update is
// written once per element width: Vector<T> lanes for the body, the same formula on scalars for the tail.
internal static class OptimizerSteps
{
    /// <summary>
    /// SGD: g' = g + wd p; with momentum, buf = mu buf + (1 - dampening) g' (buf = g' on the first step) and
    /// g' = nesterov ? g' + mu buf : buf; then p -= lr g'.
    /// </summary>
    public static void Sgd<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> velocity, T lr, T momentum, T dampening, T weightDecay, bool nesterov, bool firstStep)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (momentum == T.Zero && weightDecay == T.Zero)
        {
            TensorPrimitives.MultiplyAdd(g, -lr, p, p); // plain SGD: p += (-lr) g
            return;
        }
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> pv = MemoryMarshal.Cast<T, Vector<T>>(p);
            ReadOnlySpan<Vector<T>> gv = MemoryMarshal.Cast<T, Vector<T>>(g);
            Span<Vector<T>> vv = MemoryMarshal.Cast<T, Vector<T>>(velocity);
            for (int k = 0; k < pv.Length; k++)
            {
                Vector<T> grad = gv[k] + (new Vector<T>(weightDecay) * pv[k]);
                if (momentum != T.Zero)
                {
                    Vector<T> buf = firstStep ? grad : (new Vector<T>(momentum) * vv[k]) + (new Vector<T>(T.One - dampening) * grad);
                    vv[k] = buf;
                    grad = nesterov ? grad + (new Vector<T>(momentum) * buf) : buf;
                }
                pv[k] -= new Vector<T>(lr) * grad;
            }
            i = pv.Length * Vector<T>.Count;
        }
        for (; i < p.Length; i++)
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
        T shrink = decoupled ? T.One - (lr * weightDecay) : T.One;
        T l2 = decoupled ? T.Zero : weightDecay;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> pv = MemoryMarshal.Cast<T, Vector<T>>(p);
            ReadOnlySpan<Vector<T>> gv = MemoryMarshal.Cast<T, Vector<T>>(g);
            Span<Vector<T>> mv = MemoryMarshal.Cast<T, Vector<T>>(m);
            Span<Vector<T>> vv = MemoryMarshal.Cast<T, Vector<T>>(v);
            for (int k = 0; k < pv.Length; k++)
            {
                Vector<T> grad = gv[k] + (new Vector<T>(l2) * pv[k]);
                Vector<T> w = pv[k] * new Vector<T>(shrink);
                mv[k] = (new Vector<T>(beta1) * mv[k]) + (new Vector<T>(T.One - beta1) * grad);
                vv[k] = (new Vector<T>(beta2) * vv[k]) + (new Vector<T>(T.One - beta2) * grad * grad);
                Vector<T> mHat = mv[k] / new Vector<T>(correction1);
                Vector<T> vHat = vv[k] / new Vector<T>(correction2);
                pv[k] = w - (new Vector<T>(lr) * mHat / (Vector.SquareRoot(vHat) + new Vector<T>(epsilon)));
            }
            i = pv.Length * Vector<T>.Count;
        }
        for (; i < p.Length; i++)
        {
            T grad = g[i] + (l2 * p[i]);
            T w = p[i] * shrink;
            m[i] = (beta1 * m[i]) + ((T.One - beta1) * grad);
            v[i] = (beta2 * v[i]) + ((T.One - beta2) * grad * grad);
            T mHat = m[i] / correction1;
            T vHat = v[i] / correction2;
            p[i] = w - (lr * mHat / (T.Sqrt(vHat) + epsilon));
        }
    }
}
