namespace Precision.Orleans.Abstractions.Grains;

/// <summary>A grain identified by a string key (the grain's identity is its interface plus this key).</summary>
public interface IGrainWithStringKey : IGrain;
