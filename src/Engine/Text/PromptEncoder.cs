namespace Precision.Orleans.Engine.Text;

/// <summary>
/// Turns a task prompt into the token ids the rollout engine continues, and says which ids end the response:
/// the tokenizer plus a <see cref="ChatTemplate"/>. With no template the prompt is BOS (when the tokenizer has one) + prompt.
/// </summary>
public sealed class PromptEncoder
{
    public PromptEncoder(ITokenizer tokenizer, ChatTemplate template)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(template);
        var missing = template.RequiredTokens.Where(t => tokenizer.TokenToId(t) is null).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"chat template '{template.Name}' needs the token(s) {string.Join(", ", missing)}, which this tokenizer does not have");
        Tokenizer = tokenizer;
        Template = template;
        var stops = new List<int>(tokenizer.StopTokens);
        foreach (string text in template.StopTokenTexts)
            if (tokenizer.TokenToId(text) is int id && !stops.Contains(id)) stops.Add(id);
        if (stops.Count == 0)
            throw new ArgumentException("tokenizer: no stop token (no EOS and no end-of-turn token): responses could never finish");
        StopTokens = stops;
    }

    public ITokenizer Tokenizer { get; }
    public ChatTemplate Template { get; }

    /// <summary>Ids that end a response: the tokenizer's EOS / generation stops and the template's end-of-turn token.</summary>
    public IReadOnlyList<int> StopTokens { get; }

    /// <summary>
    /// A template from a run spec or CLI value: null, empty or "auto" → <see cref="ChatTemplate.ForModel"/>, else by name.
    /// </summary>
    public static PromptEncoder Create(ITokenizer tokenizer, string? templateName, string? modelType, string source = "chat_template")
    {
        var template = string.IsNullOrEmpty(templateName) || templateName == ChatTemplate.Auto
            ? ChatTemplate.ForModel(tokenizer, modelType)
            : ChatTemplate.Parse(templateName, source);
        return new PromptEncoder(tokenizer, template);
    }

    public int[] Encode(string prompt) =>
        Template == ChatTemplate.None
            ? Tokenizer.Encode(prompt, addBos: true)
            : Tokenizer.Encode(Template.Apply(prompt), addBos: !Template.IncludesBos);
}
