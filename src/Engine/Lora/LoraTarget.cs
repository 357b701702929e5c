using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Lora;

/// <summary>
/// One adapted base weight W [Out, In] and its adapter: <see cref="A"/> = lora_A [r, In] and <see cref="B"/> = lora_B
/// [Out, r], both slices of the adapter buffer. <see cref="Module"/> is the short name (q_proj … down_proj).
/// </summary>
public sealed record LoraTarget(string BaseName, string Module, long BaseOffset, int OutFeatures, int InFeatures, ParameterInfo A, ParameterInfo B);
