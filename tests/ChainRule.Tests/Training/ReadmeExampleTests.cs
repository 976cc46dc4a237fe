using ChainRule.Data;
using ChainRule.IO;
using ChainRule.NN;
using ChainRule.Optim;

namespace ChainRule.Tests.Training;

// The README's "Training in code" example, as written there (one epoch instead of ten), must run and learn.
public class ReadmeExampleTests
{
    [Fact]
    public void The_readme_training_loop_learns_the_digits()
    {
        var (train, test) = Mnist.Digits();
        var g = new Generator(seed: 1);
        var model = new Sequential(new Linear(784, 256, g, InitScheme.He), new Relu(), new Linear(256, 10, g));
        var optimizer = new AdamW(model.Parameters(), learningRate: 1e-3);

        foreach (var epoch in Enumerable.Range(0, 1))
        {
            foreach (var (x, y) in new DataLoader(train, batchSize: 64, shuffle: true, seed: 1).Batches(epoch))
            {
                using var step = new StepScope();
                optimizer.ZeroGrad();
                Variable loss = Losses.SoftmaxCrossEntropy(model.Forward(x), y);
                loss.Backward();
                optimizer.Step();
            }
        }
        string path = Path.Combine(Path.GetTempPath(), $"readme-{Guid.NewGuid():N}.safetensors");
        Checkpoint.Save(model, path);
        File.Delete(path);

        using (Autograd.NoGrad())
        {
            Tensor predicted = model.Forward(test.Features).Data.ArgMax(1);
            double accuracy = (predicted == test.Labels).To(DType.Float32).Mean().Item(); // Int64 == Int64: a Bool tensor
            Assert.True(accuracy > 0.85, $"one epoch reached only {accuracy:P1}");
        }
    }
}
