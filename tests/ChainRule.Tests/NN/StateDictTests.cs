using ChainRule.NN;

namespace ChainRule.Tests.NN;

public class StateDictTests
{
    private static Sequential Model(ulong seed, int hidden = 5) =>
        new(new Linear(4, hidden, new Generator(seed)), BatchNorm.BatchNorm1d(hidden), new Relu(), new Linear(hidden, 3, new Generator(seed + 1)));

    [Fact]
    public void StateDict_names_parameters_and_buffers_in_PyTorchs_order_and_holds_the_models_own_tensors()
    {
        Sequential model = Model(1);
        IReadOnlyDictionary<string, Tensor> state = model.StateDict();
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"], state.Keys);
        Assert.Same(((Linear)model.Layers[0]).Weight.Data, state["0.weight"]);
        Assert.Same(((BatchNorm)model.Layers[1]).NumBatchesTracked, state["1.num_batches_tracked"]);
    }

    [Fact]
    public void LoadStateDict_copies_every_tensor_in_place()
    {
        Sequential source = Model(1), target = Model(7);
        ((BatchNorm)source.Layers[1]).RunningMean.CopyFrom(Tensor.Full([5], 0.25));
        Tensor weight = target.StateDict()["0.weight"];
        StateDictKeys keys = target.LoadStateDict(source.StateDict());
        Assert.Empty(keys.Missing);
        Assert.Empty(keys.Unexpected);
        Assert.Same(weight, target.StateDict()["0.weight"]); // in place
        foreach (((string name, Tensor a), (_, Tensor b)) in source.StateTensors().Zip(target.StateTensors()))
        {
            Assert.True(a.To(DType.Float64).ToArray<double>().SequenceEqual(b.To(DType.Float64).ToArray<double>()), name);
        }
        Assert.NotSame(source.StateDict()["0.weight"], target.StateDict()["0.weight"]); // copies, not shared
    }

    [Fact]
    public void A_state_that_does_not_fit_lists_every_problem_in_one_message_and_changes_nothing()
    {
        Sequential model = Model(1);
        float[] before = model.StateDict()["0.weight"].ToArray();
        var state = new Dictionary<string, Tensor>(Model(2, hidden: 6).StateDict());
        state.Remove("3.bias");
        state["1.num_batches_tracked"] = Tensor.Scalar(0); // Float32, not Int64
        state["extra"] = Tensor.Zeros([2]);
        state["0.bias"] = Tensor.Zeros([5]); // fits: still not copied, as the rest fails
        var e = Assert.Throws<InvalidDataException>(() => model.LoadStateDict(state));
        Assert.StartsWith("state dict does not fit the model: ", e.Message);
        Assert.Contains("'0.weight' has shape (6, 4) in the state dict but (5, 4) in the model", e.Message);
        Assert.Contains("'3.weight' has shape (3, 6) in the state dict but (3, 5) in the model", e.Message);
        Assert.Contains("'1.num_batches_tracked' is float32 in the state dict but int64 in the model", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("missing '3.bias' (3,)", e.Message);
        Assert.Contains("unexpected 'extra' (2,)", e.Message);
        Assert.Equal(before, model.StateDict()["0.weight"].ToArray());

        // Not strict: missing and unexpected names are returned, shapes and dtypes still must match.
        Assert.Throws<InvalidDataException>(() => model.LoadStateDict(state, strict: false));
        var partial = new Dictionary<string, Tensor> { ["0.bias"] = Tensor.Full([5], 2.0), ["head.weight"] = Tensor.Zeros([1]) };
        StateDictKeys keys = model.LoadStateDict(partial, strict: false);
        Assert.Equal(["0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"], keys.Missing);
        Assert.Equal(["head.weight"], keys.Unexpected);
        Assert.Equal(Enumerable.Repeat(2f, 5), model.StateDict()["0.bias"].ToArray());
        Assert.Equal(before, model.StateDict()["0.weight"].ToArray());
    }
}
