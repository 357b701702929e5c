using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Evaluation;

namespace Precision.Orleans.RL.Tests.Evaluation;

/// <summary>A randomly initialised two-layer model over a tiny alphabet: it emits &lt;eos&gt; often, so responses are short.</summary>
internal static class TinyPolicy
{
    public const string Alphabet = "ab+=:; 0123456789";

    public static ModelConfig Config(CharTokenizer tokenizer) => new ModelConfig
    {
        VocabSize = tokenizer.VocabSize,
        HiddenSize = 16,
        IntermediateSize = 32,
        NumHiddenLayers = 1,
        NumAttentionHeads = 2,
        NumKeyValueHeads = 1,
        MaxPositionEmbeddings = 128,
    }.Validate();

    public static PolicySampler Create(int seed = 3, DType dtype = DType.Fp32)
    {
        var tokenizer = new CharTokenizer(Alphabet);
        var config = Config(tokenizer);
        var weights = new TrainingEngine(config, new TrainingOptions(), null, seed).MasterWeights;
        return new PolicySampler(config, weights, tokenizer, dtype);
    }
}
