using System.CommandLine;
using System.CommandLine.Parsing;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Data;

namespace Precision.Orleans.Client.Commands;

/// <summary>Option builders shared by the commands, with validation that names what is allowed.</summary>
internal static class CommonOptions
{
    public static Option<DType> DType(string name, DType defaultValue, string description) => new(name)
    {
        Description = $"{description} ({string.Join("|", DTypeNames.Allowed)})",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (DTypeNames.TryParse(text, out var d)) return d;
            result.AddError($"{name}: unknown dtype '{text}'; allowed: {string.Join(", ", DTypeNames.Allowed)}");
            return defaultValue;
        },
    };

    /// <summary><c>--device cpu|cuda</c>: where both engines' kernels run (overrides the run spec's precision.device).</summary>
    public static Option<Engine.Backends.ComputeDevice?> Device() => new("--device")
    {
        Description = "where the engines run: cpu|cuda (default: the run spec's precision.device, else cpu)",
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            try { return Engine.Backends.ComputeDeviceNames.Parse(text); }
            catch (ArgumentException e) { result.AddError($"--device: {e.Message}"); return null; }
        },
    };

    /// <summary>
    /// What loading does when a weight is beyond FP16's range and an engine runs in fp16: refuse (default, naming the
    /// worst tensors) or clamp to ±65504 and report.
    /// </summary>
    public static Option<Fp16RangePolicy> Fp16Range() => new("--fp16-range")
    {
        Description = "weights beyond FP16's range when an engine runs in fp16: refuse|clamp (default refuse)",
        DefaultValueFactory = _ => Fp16RangePolicy.Refuse,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Enum.TryParse<Fp16RangePolicy>(text, ignoreCase: true, out var policy) && !int.TryParse(text, out _)) return policy;
            result.AddError($"--fp16-range: unknown policy '{text}'; allowed: refuse, clamp");
            return Fp16RangePolicy.Refuse;
        },
    };

    /// <summary>The prompt format option shared by the commands that sample a policy.</summary>
    public static Option<string?> ChatTemplate() => new("--chat-template")
    {
        Description = $"prompt format: {Engine.Text.ChatTemplate.Auto} (default: none for char models, the family's template for a Hugging Face model), {string.Join(", ", Engine.Text.ChatTemplate.Names)}",
    };

    /// <summary>A comma-separated dtype list such as "fp32,bf16,fp16".</summary>
    public static Option<IReadOnlyList<DType>> DTypeList(string name, string defaultValue, string description) => new(name)
    {
        Description = $"{description}, comma-separated from {string.Join(", ", DTypeNames.Allowed)}",
        DefaultValueFactory = _ => DTypeNames.ParseList(defaultValue),
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            var list = new List<DType>();
            foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!DTypeNames.TryParse(part, out var d))
                {
                    result.AddError($"{name}: unknown dtype '{part}'; allowed: {string.Join(", ", DTypeNames.Allowed)}");
                    return [];
                }
                if (list.Contains(d))
                {
                    result.AddError($"{name}: dtype '{part}' is listed twice");
                    return [];
                }
                list.Add(d);
            }
            if (list.Count == 0) result.AddError($"{name}: give at least one dtype from {string.Join(", ", DTypeNames.Allowed)}");
            return list;
        },
    };

    public static Option<int> Int(string name, int defaultValue, string description, int min, int max = int.MaxValue)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result => RequireRange(result, name, result.GetValueOrDefault<int>(), min, max));
        return option;
    }

    public static Option<float> PositiveFloat(string name, float defaultValue, string description)
    {
        var option = new Option<float>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            float v = result.GetValueOrDefault<float>();
            if (!(v > 0) || !float.IsFinite(v)) result.AddError($"{name} must be a positive number, got {v}");
        });
        return option;
    }

    public static Option<string> Directory(string name, string description, bool required, string? defaultValue = null)
    {
        var option = new Option<string>(name) { Description = description, Required = required };
        if (defaultValue is not null) option.DefaultValueFactory = _ => defaultValue;
        option.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>())) result.AddError($"{name} must name a directory");
        });
        return option;
    }

    /// <summary>A comma-separated list of synthetic-corpus tasks; default: the default mix.</summary>
    public static Option<string> Tasks(string name, string description)
    {
        var option = new Option<string>(name)
        {
            Description = $"{description}, comma-separated from {string.Join(", ", SyntheticCorpus.AllTasks)}",
            DefaultValueFactory = _ => string.Join(",", SyntheticCorpus.Tasks),
        };
        option.Validators.Add(result =>
        {
            var given = SplitTasks(result.GetValueOrDefault<string>());
            foreach (string t in given.Where(t => !SyntheticCorpus.AllTasks.Contains(t)))
                result.AddError($"{name}: unknown task '{t}'; tasks: {string.Join(", ", SyntheticCorpus.AllTasks)}");
            if (given.Length == 0) result.AddError($"{name}: give at least one of {string.Join(", ", SyntheticCorpus.AllTasks)}");
        });
        return option;
    }

    public static string[] SplitTasks(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();

    private static void RequireRange(OptionResult result, string name, long value, long min, long max)
    {
        if (value < min || value > max)
            result.AddError(max == int.MaxValue
                ? $"{name} must be >= {min}, got {value}"
                : $"{name} must be in [{min}, {max}], got {value}");
    }
}
