using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Precision.Orleans.Engine.Checkpoints;
using Spectre.Console;

namespace Precision.Orleans.Client.Inspect;

/// <summary>Prints an <see cref="HfCheckpointSummary"/> as tables, or as JSON for scripts.</summary>
internal static class InspectRunner
{
    public static int Run(string directory, bool json, int top, TextWriter output)
    {
        var summary = HfCheckpointInspector.Inspect(directory);
        if (json) output.WriteLine(ToJson(summary, top).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        else Print(summary, top, output);
        return 0;
    }

    public static JsonObject ToJson(HfCheckpointSummary s, int top)
    {
        var c = s.Config;
        var range = s.Fp16Range;
        JsonObject Counts(Fp16RangeCounts t) => new()
        {
            ["tensor"] = t.Tensor, ["elements"] = t.Elements, ["overflow"] = t.Overflow, ["underflow"] = t.Underflow,
            ["subnormal"] = t.Subnormal, ["max_abs"] = t.MaxAbs,
        };
        return new JsonObject
        {
            ["directory"] = s.Directory,
            ["model_type"] = c.ModelType,
            ["torch_dtype"] = s.TorchDType,
            ["num_hidden_layers"] = c.NumHiddenLayers,
            ["hidden_size"] = c.HiddenSize,
            ["intermediate_size"] = c.IntermediateSize,
            ["num_attention_heads"] = c.NumAttentionHeads,
            ["num_key_value_heads"] = c.NumKeyValueHeads,
            ["head_dim"] = c.HeadDim,
            ["vocab_size"] = c.VocabSize,
            ["tie_word_embeddings"] = c.TieWordEmbeddings,
            ["num_experts"] = c.NumExperts,
            ["num_experts_per_tok"] = c.NumExpertsPerToken,
            ["parameters"] = s.TotalParameters,
            ["active_parameters_per_token"] = s.ActiveParametersPerToken,
            ["dtypes"] = new JsonArray(s.DTypes.Select(d => (JsonNode)new JsonObject { ["dtype"] = d.DType, ["elements"] = d.Elements, ["bytes"] = d.Bytes }).ToArray()),
            ["sharded"] = s.Sharded,
            ["files"] = new JsonArray(s.Files.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["bytes"] = f.FileBytes, ["tensors"] = f.Tensors }).ToArray()),
            ["checksums_verified"] = s.ChecksumsVerified,
            ["fp16_range"] = new JsonObject
            {
                ["total"] = Counts(range.Total),
                ["worst"] = new JsonArray(range.Worst(top).Select(t => (JsonNode)Counts(t)).ToArray()),
            },
        };
    }

    private static void Print(HfCheckpointSummary s, int top, TextWriter output)
    {
        // Redirected (a file, a pipe, a test's writer): plain text, no ANSI codes.
        bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        var c = s.Config;
        string F(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        var arch = new Table().Title($"[bold]{Markup.Escape(s.Directory)}[/]").AddColumns("", "");
        arch.AddRow("model_type", $"{c.ModelType} ({HfConfigReader.Architecture(c.ModelType)})");
        arch.AddRow("layers × hidden", $"{c.NumHiddenLayers} × {c.HiddenSize} (intermediate {c.IntermediateSize})");
        arch.AddRow("heads / kv heads × head_dim", $"{c.NumAttentionHeads} / {c.NumKeyValueHeads} × {c.HeadDim}{(c.HasQkNorm ? ", q/k norm" : "")}{(c.AttentionBias ? ", q/k/v bias" : "")}");
        arch.AddRow("vocab", $"{c.VocabSize}{(c.TieWordEmbeddings ? " (tied head)" : "")}");
        if (c.IsMoe) arch.AddRow("experts", $"{c.NumExperts}, top-{c.NumExpertsPerToken}, expert width {c.MoeIntermediateSize}{(c.NormTopKProb ? ", renormalised" : "")}");
        arch.AddRow("parameters", c.IsMoe ? $"{F(s.TotalParameters)} ({F(s.ActiveParametersPerToken)} active per token)" : F(s.TotalParameters));
        arch.AddRow("torch_dtype", s.TorchDType ?? "(not given)");
        foreach (var d in s.DTypes) arch.AddRow($"on disk {d.DType}", $"{F(d.Elements)} values, {F(d.Bytes)} bytes");
        arch.AddRow("files", $"{s.Files.Count} ({(s.Sharded ? "sharded" : "single file")}, {F(s.Files.Sum(f => f.FileBytes))} bytes){(s.ChecksumsVerified ? ", checksums verified" : "")}");
        console.Write(arch);

        console.MarkupLine($"[bold]FP16 range[/]: {Markup.Escape(s.Fp16Range.Summary)}");
        var worst = s.Fp16Range.Worst(top).ToList();
        if (worst.Count == 0) return;
        var table = new Table().AddColumns("tensor", "overflow", "underflow", "subnormal", "max |x|");
        foreach (var t in worst)
            table.AddRow(Markup.Escape(t.Tensor), F(t.Overflow), F(t.Underflow), F(t.Subnormal), t.MaxAbs.ToString("G6", CultureInfo.InvariantCulture));
        console.Write(table);
    }
}
