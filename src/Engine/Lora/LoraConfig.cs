using System.Text.Json;
using System.Text.Json.Serialization;

namespace Precision.Orleans.Engine.Lora;

/// <summary>
/// A LoRA adapter's hyper-parameters with the PEFT <c>adapter_config.json</c> field names, so our adapter
/// directories read like PEFT's. Only the subset we implement is accepted: no dropout, no bias training.
/// </summary>
public sealed record LoraConfig
{
    /// <summary>The seven linear modules an adapter may target; a name matches dense MLPs and every MoE expert.</summary>
    public static readonly IReadOnlyList<string> KnownModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>Rank r of every adapter. Default 8.</summary>
    [JsonPropertyName("r")] public int Rank { get; init; } = 8;

    /// <summary>alpha; the adapter output is multiplied by alpha / r. Default 16 (the paper's 64/32 ratio of 2).</summary>
    [JsonPropertyName("lora_alpha")] public float Alpha { get; init; } = 16f;

    /// <summary>Module names (see <see cref="KnownModules"/>). Default: all seven, as the paper's LoRA runs adapt every linear.</summary>
    [JsonPropertyName("target_modules")] public IReadOnlyList<string> TargetModules { get; init; } = KnownModules;

    /// <summary>Must be 0: dropout would make the two engines' forwards differ by design.</summary>
    [JsonPropertyName("lora_dropout")] public float Dropout { get; init; }

    /// <summary>Must be "none": only lora_A / lora_B are trained.</summary>
    [JsonPropertyName("bias")] public string Bias { get; init; } = "none";

    [JsonPropertyName("peft_type")] public string PeftType { get; init; } = "LORA";

    [JsonPropertyName("task_type")] public string TaskType { get; init; } = "CAUSAL_LM";

    /// <summary>The base checkpoint the adapter was trained on (informational). Default "".</summary>
    [JsonPropertyName("base_model_name_or_path")] public string BaseModelNameOrPath { get; init; } = "";

    /// <summary>PEFT's fan_in_fan_out (Conv1D bases); always false here.</summary>
    [JsonPropertyName("fan_in_fan_out")] public bool FanInFanOut { get; init; }

    /// <summary>The multiplier of the adapter path, alpha / r (PEFT <c>scaling</c>).</summary>
    [JsonIgnore] public float Scale => Alpha / Rank;

    /// <summary>True when <paramref name="module"/> (e.g. "q_proj") is targeted.</summary>
    public bool Targets(string module) => TargetModules.Contains(module, StringComparer.Ordinal);

    /// <summary>Throws <see cref="InvalidDataException"/> naming the field for anything we do not implement.</summary>
    public LoraConfig Validate()
    {
        if (Rank <= 0) throw new InvalidDataException($"lora: r must be positive, got {Rank}");
        if (!(Alpha > 0) || float.IsInfinity(Alpha)) throw new InvalidDataException($"lora: lora_alpha must be a positive finite number, got {Alpha}");
        if (TargetModules is null || TargetModules.Count == 0) throw new InvalidDataException("lora: target_modules must name at least one module");
        foreach (string m in TargetModules)
            if (!KnownModules.Contains(m, StringComparer.Ordinal))
                throw new InvalidDataException($"lora: target_modules has unknown module '{m}' (known: {string.Join(", ", KnownModules)})");
        if (TargetModules.Distinct(StringComparer.Ordinal).Count() != TargetModules.Count)
            throw new InvalidDataException("lora: target_modules lists a module twice");
        if (Dropout != 0f) throw new InvalidDataException($"lora: lora_dropout must be 0 (got {Dropout}): dropout is not implemented");
        if (Bias != "none") throw new InvalidDataException($"lora: bias must be \"none\" (got \"{Bias}\")");
        if (PeftType != "LORA") throw new InvalidDataException($"lora: peft_type must be \"LORA\" (got \"{PeftType}\")");
        if (TaskType != "CAUSAL_LM") throw new InvalidDataException($"lora: task_type must be \"CAUSAL_LM\" (got \"{TaskType}\")");
        if (FanInFanOut) throw new InvalidDataException("lora: fan_in_fan_out must be false");
        return this;
    }

    // Value equality over the serialised fields (the generated one compares target_modules by reference).
    public bool Equals(LoraConfig? other) => other is not null && ToJson() == other.ToJson();

    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses adapter_config.json; errors name <paramref name="source"/>.</summary>
    public static LoraConfig FromJson(string json, string source = "adapter_config.json")
    {
        LoraConfig? cfg;
        try
        {
            cfg = JsonSerializer.Deserialize<LoraConfig>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a valid LoRA adapter config: {e.Message}", e);
        }
        if (cfg is null) throw new InvalidDataException($"{source}: empty LoRA adapter config");
        try
        {
            return cfg.Validate();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }
}
