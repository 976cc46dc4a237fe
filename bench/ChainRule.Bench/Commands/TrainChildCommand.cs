using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ChainRule.Bench.Backends;
using ChainRule.Bench.Data;
using ChainRule.Bench.Harness;
using ChainRule.Bench.Workloads;

namespace ChainRule.Bench.Commands;

/// <summary>
/// Hidden command: one training run of one library in this fresh process. Loads Fashion-MNIST,
/// makes the shared initial weights and sample order, warms up, reloads the weights, times one
/// epoch, measures test accuracy, then reports the result and VmHWM as one JSON line.
/// </summary>
public static class TrainChildCommand
{
    public const string Name = "train-child";

    /// <summary>Seed of the initial weights (MlpParameters.Create).</summary>
    public const ulong ParameterSeed = 1234;

    /// <summary>Seed of the epoch's sample order (SplitMix64.Permutation over the 60,000 training samples).</summary>
    public const ulong OrderSeed = 5678;

    public static int Run(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2)
            values[args[i]] = args[i + 1];
        var backend = BackendRegistry.Find(values["--backend"]);
        var spec = MlpSpec.Parse(values["--layers"], int.Parse(values["--batch"], CultureInfo.InvariantCulture), float.Parse(values["--lr"], CultureInfo.InvariantCulture));
        int warmUpSteps = int.Parse(values["--warm-up-steps"], CultureInfo.InvariantCulture);

        var data = FashionMnist.Load(values["--data"]);
        var initial = MlpParameters.Create(spec.Layers, ParameterSeed);
        int[] order = new SplitMix64(OrderSeed).Permutation(data.TrainCount);
        long dataRss = PeakRss.Read();

        backend.SetThreads(Environment.ProcessorCount);
        using var trainer = backend.CreateMlpTrainer(spec, data.TrainImages, data.TrainLabels);
        trainer.LoadParameters(initial);
        trainer.Train(order.AsSpan(0, Math.Min(order.Length, warmUpSteps * spec.BatchSize)));
        trainer.LoadParameters(initial);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        TimeSpan pausedBefore = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        double meanLoss = trainer.Train(order);
        double epochSeconds = clock.Elapsed.TotalSeconds;
        int steps = (order.Length + spec.BatchSize - 1) / spec.BatchSize;
        double bytesPerStep = (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / steps;
        double gcFraction = (GC.GetTotalPauseDuration() - pausedBefore).TotalSeconds / epochSeconds;
        double accuracy = trainer.Accuracy(data.TestImages, data.TestLabels);

        var result = new TrainingResult(backend.Name, spec.Name, order.Length, epochSeconds, meanLoss, accuracy, PeakRss.Read(), dataRss, bytesPerStep, gcFraction);
        Console.WriteLine(TrainingChild.ResultPrefix + JsonSerializer.Serialize(result));
        return 0;
    }
}
