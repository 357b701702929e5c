namespace Precision.Orleans.Engine.Text;

/// <summary>
/// A model family's chat format, written out explicitly: we do not execute tokenizer_config.json's Jinja template.
/// A prompt becomes one user turn followed by the opening of the assistant turn, so the model's continuation is the
/// response. See README.md in this folder for which model uses which template.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>The prompt as it is (our char models: &lt;bos&gt; + prompt).</summary>
    public static readonly ChatTemplate None = new("none", null, false, [], p => p);

    /// <summary>Qwen2 / Qwen2.5 / Qwen3 / Qwen3-MoE (ChatML). No default system message is inserted.</summary>
    public static readonly ChatTemplate ChatMl = new("chatml", null, false, ["<|im_end|>", "<|endoftext|>"],
        p => $"<|im_start|>user\n{p}<|im_end|>\n<|im_start|>assistant\n", "<|im_start|>");

    /// <summary>Llama-3 (OctoThinker): header tokens around each role, turns end with &lt;|eot_id|&gt;. No date system message.</summary>
    public static readonly ChatTemplate Llama3 = new("llama3", "<|begin_of_text|>", true, ["<|eot_id|>", "<|end_of_text|>"],
        p => $"<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{p}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        "<|start_header_id|>", "<|end_header_id|>");

    /// <summary>DeepSeek-R1-Distill (Qwen and Llama based): the assistant turn opens with &lt;think&gt;\n, as its template forces.</summary>
    public static readonly ChatTemplate DeepSeekR1 = new("deepseek-r1", "<｜begin▁of▁sentence｜>", true, ["<｜end▁of▁sentence｜>"],
        p => $"<｜begin▁of▁sentence｜><｜User｜>{p}<｜Assistant｜><think>\n", "<｜User｜>", "<｜Assistant｜>");

    public static IReadOnlyList<ChatTemplate> All { get; } = [None, ChatMl, Llama3, DeepSeekR1];

    /// <summary>The names a run spec (<c>rollout.chat_template</c>) or the CLI accept, plus "auto".</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(t => t.Name)];

    public const string Auto = "auto";

    private readonly Func<string, string> _format;

    private ChatTemplate(string name, string? bosToken, bool includesBos, IReadOnlyList<string> stopTokens, Func<string, string> format, params string[] markers)
    {
        Name = name;
        BosToken = bosToken;
        IncludesBos = includesBos;
        StopTokenTexts = stopTokens;
        _format = format;
        RequiredTokens = [.. markers, .. stopTokens.Take(1), .. bosToken is null ? Array.Empty<string>() : [bosToken]];
    }

    public string Name { get; }

    /// <summary>The BOS token the template writes itself, if any.</summary>
    public string? BosToken { get; }

    /// <summary>True when the formatted text already starts with BOS (so the encoder must not add another).</summary>
    public bool IncludesBos { get; }

    /// <summary>End-of-turn tokens that stop generation (those the tokenizer has).</summary>
    public IReadOnlyList<string> StopTokenTexts { get; }

    /// <summary>Tokens the tokenizer must have as single tokens for this template to mean anything.</summary>
    public IReadOnlyList<string> RequiredTokens { get; }

    /// <summary>The prompt as one user turn followed by the opening of the assistant's turn.</summary>
    public string Apply(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return _format(prompt);
    }

    /// <summary>A template by name (none | chatml | llama3 | deepseek-r1); <paramref name="source"/> names the key for the error.</summary>
    public static ChatTemplate Parse(string name, string source = "chat_template") =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"{source}: unknown chat template '{name}'; known: {string.Join(", ", Names)} (or {Auto})");

    /// <summary>
    /// The template for a tokenizer: our char tokenizer → none; a Hugging Face tokenizer → the family whose marker
    /// tokens it has (DeepSeek-R1-Distill is model_type qwen2 or llama but has its own), else by <paramref name="modelType"/>
    /// (qwen2, qwen3, qwen3_moe → chatml; llama → llama3), else none.
    /// </summary>
    public static ChatTemplate ForModel(ITokenizer tokenizer, string? modelType)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer is CharTokenizer) return None;
        foreach (var t in new[] { DeepSeekR1, Llama3, ChatMl })
            if (t.IsSupportedBy(tokenizer)) return t;
        var byType = modelType switch
        {
            "qwen2" or "qwen3" or "qwen3_moe" => ChatMl,
            "llama" => Llama3,
            _ => None,
        };
        return byType.IsSupportedBy(tokenizer) ? byType : None;
    }

    public bool IsSupportedBy(ITokenizer tokenizer) => RequiredTokens.All(t => tokenizer.TokenToId(t) is not null);
}
