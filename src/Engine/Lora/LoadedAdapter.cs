namespace Precision.Orleans.Engine.Lora;

/// <summary>An adapter directory read by <see cref="LoraAdapterFile.Load"/>.</summary>
public sealed record LoadedAdapter(LoraConfig Config, LoraLayout Layout, float[] Weights, IReadOnlyDictionary<string, string> Metadata);
