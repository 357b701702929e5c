using Precision.Orleans.Engine.Text;

namespace Precision.Orleans.Engine.Data;

/// <summary>One prompt and its response, as plain text (no special tokens).</summary>
public sealed record CorpusExample(string Task, string Prompt, string Response)
{
    /// <summary>&lt;bos&gt; followed by the prompt: what the rollout engine is asked to continue.</summary>
    public int[] PromptTokens(ITokenizer tokenizer) => tokenizer.Encode(Prompt, addBos: true);

    /// <summary>The response followed by &lt;eos&gt;.</summary>
    public int[] ResponseTokens(ITokenizer tokenizer) => tokenizer.Encode(Response, addEos: true);

    /// <summary>&lt;bos&gt; prompt response &lt;eos&gt;: one training sequence.</summary>
    public int[] FullTokens(ITokenizer tokenizer) => tokenizer.Encode(Prompt + Response, addBos: true, addEos: true);
}
