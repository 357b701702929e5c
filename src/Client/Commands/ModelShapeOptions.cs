using System.CommandLine;
using Precision.Orleans.Client.LanguageModel;

namespace Precision.Orleans.Client.Commands;

/// <summary>The model-type and MoE options that <c>pretrain</c> and <c>train-lm</c> share (values validated by IModelShape).</summary>
internal sealed class ModelShapeOptions
{
    public ModelShapeOptions(IModelShape defaults)
    {
        ModelType = new Option<string>("--model-type")
        {
            Description = $"HF model_type ({string.Join("|", ModelShapeExtensions.ModelTypes)}); qwen3_moe makes every layer a routed-expert MLP",
            DefaultValueFactory = _ => defaults.ModelType,
        };
        Experts = new Option<int>("--experts") { Description = "qwen3_moe: routed experts per layer", DefaultValueFactory = _ => defaults.Experts };
        ExpertsPerToken = new Option<int>("--experts-per-token") { Description = "qwen3_moe: experts each token is routed to (top-k)", DefaultValueFactory = _ => defaults.ExpertsPerToken };
        MoeIntermediate = new Option<int>("--moe-intermediate") { Description = "qwen3_moe: SwiGLU inner width of one expert", DefaultValueFactory = _ => defaults.MoeIntermediateSize };
    }

    public Option<string> ModelType { get; }
    public Option<int> Experts { get; }
    public Option<int> ExpertsPerToken { get; }
    public Option<int> MoeIntermediate { get; }

    public IEnumerable<Option> All => [ModelType, Experts, ExpertsPerToken, MoeIntermediate];
}
