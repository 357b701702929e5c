using Precision.Orleans.Engine.Text;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Text;

public class ChatTemplateTests
{
    private static ByteLevelBpeTokenizer WithSpecials(params string[] specials)
    {
        string dir = TinyTokenizerJson.WriteDirectory(TinyTokenizerJson.Build(specials: specials));
        try { return ByteLevelBpeTokenizer.Load(dir); }
        finally { Directory.Delete(dir, true); }
    }

    private static readonly string[] ChatMlTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
    private static readonly string[] Llama3Tokens = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"];
    private static readonly string[] DeepSeekTokens = ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<|im_start|>", "<|im_end|>"];

    [Fact]
    public void Each_family_formats_one_user_turn_and_opens_the_assistant_turn()
    {
        Assert.Equal("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n", ChatTemplate.ChatMl.Apply("2+2?"));
        Assert.Equal("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            ChatTemplate.Llama3.Apply("2+2?"));
        Assert.Equal("<｜begin▁of▁sentence｜><｜User｜>2+2?<｜Assistant｜><think>\n", ChatTemplate.DeepSeekR1.Apply("2+2?"));
        Assert.Equal("2+2?", ChatTemplate.None.Apply("2+2?"));
    }

    [Fact]
    public void Auto_picks_by_the_tokenizers_marker_tokens_then_by_model_type()
    {
        Assert.Same(ChatTemplate.None, ChatTemplate.ForModel(new CharTokenizer("abc"), "qwen2"));
        Assert.Same(ChatTemplate.ChatMl, ChatTemplate.ForModel(WithSpecials(ChatMlTokens), "qwen3_moe"));
        Assert.Same(ChatTemplate.Llama3, ChatTemplate.ForModel(WithSpecials(Llama3Tokens), "llama"));
        // R1-Distill-Qwen is model_type qwen2 but ships DeepSeek's tokens (and ChatML's): its own template wins.
        Assert.Same(ChatTemplate.DeepSeekR1, ChatTemplate.ForModel(WithSpecials(DeepSeekTokens), "qwen2"));
        // A tokenizer without any family's tokens gets none, whatever the model type.
        Assert.Same(ChatTemplate.None, ChatTemplate.ForModel(WithSpecials("<|endoftext|>"), "llama"));
    }

    [Fact]
    public void The_prompt_encoder_tokenizes_the_template_and_stops_at_the_end_of_turn()
    {
        var tok = WithSpecials(ChatMlTokens);
        var prompts = PromptEncoder.Create(tok, null, "qwen2");
        Assert.Same(ChatTemplate.ChatMl, prompts.Template);
        int imStart = tok.TokenToId("<|im_start|>")!.Value, imEnd = tok.TokenToId("<|im_end|>")!.Value;
        int[] ids = prompts.Encode("hello");
        Assert.Equal(imStart, ids[0]);
        Assert.Equal(tok.Encode("<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n"), ids);
        Assert.Contains(imEnd, prompts.StopTokens);
        Assert.Contains(tok.TokenToId("<|endoftext|>")!.Value, prompts.StopTokens);

        var llama = WithSpecials(Llama3Tokens);
        var llamaPrompts = PromptEncoder.Create(llama, "llama3", "llama");
        int[] llamaIds = llamaPrompts.Encode("hi");
        Assert.Equal(llama.TokenToId("<|begin_of_text|>"), llamaIds[0]);
        Assert.NotEqual(llamaIds[0], llamaIds[1]); // the template writes BOS; the encoder adds no second one
        Assert.Contains(llama.TokenToId("<|eot_id|>")!.Value, llamaPrompts.StopTokens);
    }

    [Fact]
    public void No_template_means_bos_plus_prompt_for_our_char_models()
    {
        var chars = new CharTokenizer("abc ");
        var prompts = PromptEncoder.Create(chars, ChatTemplate.Auto, "qwen2");
        Assert.Equal(chars.Encode("ab c", addBos: true), prompts.Encode("ab c"));
        Assert.Equal([CharTokenizer.EosId], prompts.StopTokens);
    }

    [Fact]
    public void A_template_the_tokenizer_cannot_express_and_an_unknown_name_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => PromptEncoder.Create(new CharTokenizer("abc"), "chatml", "qwen2"));
        Assert.Contains("<|im_start|>", e.Message);
        var unknown = Assert.Throws<ArgumentException>(() => PromptEncoder.Create(new CharTokenizer("abc"), "alpaca", "qwen2", "rollout.chat_template"));
        Assert.Contains("rollout.chat_template", unknown.Message);
        Assert.Contains("deepseek-r1", unknown.Message);
    }
}
