using Precision.Orleans.RL.Tests.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Spec;

public sealed class ChatTemplateSpecTests
{
    [Fact]
    public void Rollout_chat_template_is_read_written_and_defaults_to_auto()
    {
        using var run = new TinyRun();
        var spec = run.Spec("""
            model: model
            data:
              problems: problems.jsonl
            rollout:
              chat_template: chatml
            """);
        Assert.Equal("chatml", spec.Rollout.ChatTemplate);
        string yaml = Precision.Orleans.RL.Spec.RunSpecWriter.ToYaml(spec);
        Assert.Contains("chat_template: \"chatml\"", yaml);
        Assert.Equal(spec, Precision.Orleans.RL.Spec.RunSpecLoader.Parse(yaml, "written.yaml"));

        var plain = run.Spec("model: model\ndata:\n  problems: problems.jsonl\n");
        Assert.Null(plain.Rollout.ChatTemplate);
        Assert.DoesNotContain("chat_template", Precision.Orleans.RL.Spec.RunSpecWriter.ToYaml(plain));
    }

    [Fact]
    public void An_unknown_chat_template_is_refused_naming_the_key()
    {
        using var run = new TinyRun();
        var e = Assert.ThrowsAny<Exception>(() => run.Spec("model: model\ndata:\n  problems: problems.jsonl\nrollout:\n  chat_template: alpaca\n"));
        Assert.Contains("rollout.chat_template", e.Message);
        Assert.Contains("alpaca", e.Message);
    }
}
