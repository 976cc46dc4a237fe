namespace ChainRule.Training;

/// <summary>One epoch's numbers. Accuracies are NaN for regression; test numbers are NaN without a test set.</summary>
/// <param name="TrainLoss">Mean loss over the epoch's training batches (weighted by batch size), in training mode.</param>
/// <param name="TrainAccuracy">Fraction of training examples classified correctly during the epoch (running, in training mode).</param>
/// <param name="Seconds">Wall time of the training part of the epoch (not the evaluation).</param>
public sealed record EpochResult(
    int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy,
    double Seconds, double SamplesPerSecond, double LearningRate);

/// <summary>Where an epoch stands after a batch, for progress displays.</summary>
public sealed record BatchProgress(int Epoch, int Batch, int Batches, double Loss, double Accuracy, double SamplesPerSecond);

/// <summary>A model's loss and accuracy on a data set, with the confusion matrix for classification.</summary>
public sealed record Evaluation(double Loss, double Accuracy, ConfusionMatrix? Confusion);
