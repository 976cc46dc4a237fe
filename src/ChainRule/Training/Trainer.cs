using System.Diagnostics;
using ChainRule.Data;
using ChainRule.NN;
using ChainRule.Optim;

namespace ChainRule.Training;

/// <summary>
/// The training loop, as the notes write it (MISSION 5: stochastic gradient descent on mini-batches): for each
/// epoch, for each shuffled batch, forward, loss, backward, update; then measure the test set.
/// </summary>
/// <remarks>
/// Divergence guard: a NaN or infinite loss stops training before its update, and every weight is checked at the end
/// of each epoch; both throw <see cref="DivergenceException"/> naming the epoch, the step and what became non-finite.
/// </remarks>
public sealed class Trainer
{
    private readonly double _baseLearningRate;

    public Trainer(Module model, Optimizer optimizer, LossFunction loss)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        _baseLearningRate = optimizer.LearningRate;
    }

    public Module Model { get; }

    public Optimizer Optimizer { get; }

    public LossFunction Loss { get; }

    /// <summary>
    /// The loss <see cref="Evaluate"/> reports (the test loss of every epoch); by default the training loss. Set it to
    /// the plain loss when training uses a regularized one (label smoothing), so the test loss means what an
    /// evaluation of the saved model reports.
    /// </summary>
    public LossFunction? EvaluationLoss { get; init; }

    /// <summary>Scales the optimizer's initial learning rate, step by step.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>When set, every training batch is augmented (the test set never is).</summary>
    public Augmentation? Augmentation { get; init; }

    /// <summary>When set, gradients are clipped to this global L2 norm before each update.</summary>
    public double? ClipNorm { get; init; }

    /// <summary>
    /// When a step diverges, rerun its forward and backward pass in anomaly mode (<see cref="Autograd.DetectAnomaly"/>)
    /// from the same weights, batch and dropout draws, so the <see cref="DivergenceException"/> names the Function that
    /// first produced a NaN or infinity and the C# call site that created it. Costs nothing until a step diverges.
    /// </summary>
    public bool DetectAnomaly { get; init; }

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs over batches of <paramref name="batchSize"/>, shuffled by
    /// <paramref name="seed"/>, and evaluates on <paramref name="test"/> after each epoch. A resumed run passes
    /// <paramref name="startEpoch"/>, the number of epochs already done (the model and optimizer restored to the end of
    /// that epoch): it trains epochs startEpoch + 1 .. epochs, each on the batches an uninterrupted run would see, and
    /// returns only those.
    /// </summary>
    /// <exception cref="DivergenceException">The loss or the gradients' global norm became NaN or infinite at a step (the
    /// weights are those before that step), or a weight at the end of an epoch.</exception>
    public IReadOnlyList<EpochResult> Fit(
        Dataset train, Dataset? test, int epochs, int batchSize, ulong seed,
        Action<BatchProgress>? onBatch = null, Action<EpochResult>? onEpoch = null, int startEpoch = 0)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(startEpoch);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(startEpoch, epochs);
        var loader = new DataLoader(train, batchSize, shuffle: true, seed, augmentation: Augmentation);
        var results = new List<EpochResult>(epochs - startEpoch);
        (string Name, Generator Generator)[] generators = DetectAnomaly ? [.. Model.NamedGenerators()] : [];
        for (int epoch = startEpoch; epoch < epochs; epoch++)
        {
            Model.Train();
            var watch = Stopwatch.StartNew();
            double lossSum = 0;
            long correct = 0, seen = 0;
            int batch = 0;
            using IEnumerator<(Tensor X, Tensor Y)> batches = loader.Batches(epoch).GetEnumerator();
            while (true)
            {
                // NOTE: the scope opens before the batch is drawn, so the batch's memory is recycled with the step's
                using var step = new StepScope();
                if (!batches.MoveNext())
                {
                    break;
                }
                (Tensor x, Tensor y) = batches.Current;
                Schedule.Apply(Optimizer, _baseLearningRate, Optimizer.StepCount);
                Optimizer.ZeroGrad();
                ulong[][]? draws = DetectAnomaly ? [.. generators.Select(g => g.Generator.GetState())] : null; // only a rerun needs them
                Variable output = Model.Forward(x);
                Variable loss = Loss(output, y);
                double lossValue = loss.Item();
                // NOTE: both checks come before the update, so the weights are still the last finite ones
                if (!double.IsFinite(lossValue))
                {
                    throw Diverged(epoch + 1, batch + 1, $"the loss is {NonFinite(lossValue)}", x, y, generators, draws);
                }
                loss.Backward();
                double norm = ClipNorm is double maxNorm
                    ? GradientClipping.ClipByGlobalNorm(Optimizer.Parameters, maxNorm)
                    : GradientClipping.GlobalNorm(Optimizer.Parameters);
                if (!double.IsFinite(norm))
                {
                    throw Diverged(epoch + 1, batch + 1, $"the gradients' global norm is {NonFinite(norm)} (the loss was {lossValue:G6})", x, y, generators, draws);
                }
                Optimizer.Step();

                int n = x.Shape[0];
                lossSum += lossValue * n;
                seen += n;
                correct += train.IsClassification ? CountCorrect(output.Data, y) : 0;
                batch++; // NOTE: not inside onBatch?.Invoke(...), whose arguments are skipped when there is no callback
                onBatch?.Invoke(new BatchProgress(epoch + 1, batch, loader.Count, lossSum / seen, Accuracy(correct, seen, train), seen / watch.Elapsed.TotalSeconds));
            }
            double seconds = watch.Elapsed.TotalSeconds;
            ThrowIfWeightsDiverged(epoch + 1, batch);
            Evaluation? evaluation = test is null ? null : Evaluate(test);
            var result = new EpochResult(
                epoch + 1, lossSum / seen, Accuracy(correct, seen, train), evaluation?.Loss ?? double.NaN, evaluation?.Accuracy ?? double.NaN,
                seconds, seen / seconds, Optimizer.LearningRate);
            results.Add(result);
            onEpoch?.Invoke(result);
        }
        return results;
    }

    /// <summary>Loss, accuracy and confusion matrix of the model, in evaluation mode and without a graph.</summary>
    public Evaluation Evaluate(Dataset data, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = Model.Training;
        Model.Eval();
        ConfusionMatrix? confusion = data.IsClassification ? new ConfusionMatrix(data.ClassNames!.Count) : null;
        double lossSum = 0;
        using (Autograd.NoGrad())
        {
            foreach ((Tensor x, Tensor y) in new DataLoader(data, batchSize))
            {
                using var batch = new StepScope();
                Variable output = Model.Forward(x);
                lossSum += (EvaluationLoss ?? Loss)(output, y).Item() * x.Shape[0];
                confusion?.Add(y, output.Data.ArgMax(1));
            }
        }
        Model.Train(wasTraining);
        return new Evaluation(lossSum / data.Count, confusion?.Accuracy ?? double.NaN, confusion);
    }

    private static string NonFinite(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";

    // With DetectAnomaly: the same step again (weights untouched, the generators rewound to the step's draws) in anomaly
    // mode, whose exception names the Function and its call site.
    private DivergenceException Diverged(int epoch, int step, string what, Tensor x, Tensor y, (string Name, Generator Generator)[] generators, ulong[][]? draws)
    {
        if (!DetectAnomaly)
        {
            return new DivergenceException(epoch, step, what);
        }
        for (int i = 0; i < generators.Length; i++)
        {
            generators[i].Generator.SetState(draws![i]);
        }
        Optimizer.ZeroGrad();
        try
        {
            using (Autograd.DetectAnomaly())
            {
                Loss(Model.Forward(x), y).Backward();
            }
        }
        catch (AnomalyException e)
        {
            return new DivergenceException(epoch, step, what, e.Message);
        }
        finally
        {
            Optimizer.ZeroGrad();
        }
        return new DivergenceException(epoch, step, what, "the rerun in anomaly mode found every op's output finite (the non-finite value came from the loss or the gradient norm alone).");
    }

    // Once an epoch (a pass over every weight): a finite loss can still come with an update that overflowed.
    private void ThrowIfWeightsDiverged(int epoch, int step)
    {
        foreach ((string name, Parameter p) in Model.NamedParameters())
        {
            if (!p.Data.IsFinite())
            {
                throw new DivergenceException(epoch, step, $"parameter '{name}' {p.Shape} holds NaN or infinite values after the epoch");
            }
        }
    }

    private static long CountCorrect(Tensor output, Tensor labels) => (output.ArgMax(1) == labels).Sum().Item<long>();

    private static double Accuracy(long correct, long seen, Dataset data) => data.IsClassification ? (double)correct / seen : double.NaN;
}
