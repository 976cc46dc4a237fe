// A program that uses ChainRule as a user's project does: through the NuGet package, nothing else (.ci/package-check).
using ChainRule;
using ChainRule.Data;
using ChainRule.IO;
using ChainRule.NN;
using ChainRule.Optim;
using ChainRule.Training;

var a = new Variable(Tensor.Scalar(5));
var j = 3 * (a + a * Tensor.Scalar(3) * Tensor.Scalar(2));   // MISSION 1.1: dJ/da = 21
j.Backward();
var (train, test) = Mnist.Digits();
var model = new Sequential(new Linear(784, 64, new Generator(1), InitScheme.He), new Relu(), new Linear(64, 10, new Generator(2)));
var trainer = new Trainer(model, new AdamW(model.Parameters(), 1e-3), (output, y) => Losses.SoftmaxCrossEntropy(output, y));
var last = trainer.Fit(train, test, epochs: 2, batchSize: 64, seed: 1)[^1];
string path = Path.Combine(Path.GetTempPath(), $"package-check-{Environment.ProcessId}.safetensors");
Checkpoint.Save(model, path);
Checkpoint.Load(model, path);
File.Delete(path);
Console.WriteLine($"ChainRule {typeof(Tensor).Assembly.GetName().Version}: dJ/da = {a.Grad!.Item()}, test accuracy {last.TestAccuracy:P2} after 2 epochs");
return a.Grad!.Item() == 21 && last.TestAccuracy > 0.85 ? 0 : 1;
