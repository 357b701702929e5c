using System.CommandLine;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.Commands;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Client;

// Spectre.Console live displays are process-wide and exclusive: console-running tests share one collection.
[Collection(ConsoleTests.Collection)]
public class CommandOptionTests
{
    private static Command Find(string name) => CommandCatalog.All().Single(c => c.Name == name);

    /// <summary>Parses like the console does: through a root command holding every subcommand.</summary>
    private static string Errors(string command, params string[] args)
    {
        var root = new RootCommand();
        foreach (var c in CommandCatalog.All()) root.Subcommands.Add(c);
        return string.Join("\n", root.Parse([command, .. args]).Errors.Select(e => e.Message));
    }

    [Fact]
    public void Catalog_registers_train_lm_and_mismatch()
    {
        var names = CommandCatalog.All().Select(c => c.Name).ToList();
        Assert.Contains("train-lm", names);
        Assert.Contains("mismatch", names);
    }

    [Fact]
    public void Bad_dtype_is_an_error_naming_the_allowed_values()
    {
        string e = Errors("train-lm", "--out", "x", "--dtype", "fp8");
        Assert.Contains("'fp8'", e);
        Assert.Contains("fp32, bf16, fp16", e);
        string m = Errors("mismatch", "--model", "x", "--dtypes", "fp32,int8");
        Assert.Contains("'int8'", m);
        Assert.Contains("fp32, bf16, fp16", m);
        Assert.Contains("twice", Errors("mismatch", "--model", "x", "--dtypes", "bf16,bfloat16"));
    }

    [Fact]
    public void Good_options_parse_to_the_given_values()
    {
        var cmd = Find("mismatch");
        var parse = cmd.Parse(["--model", "m", "--dtypes", "bf16, fp16", "--prompts", "3", "--samples", "2"]);
        Assert.Empty(parse.Errors);
        var dtypes = cmd.Options.OfType<Option<IReadOnlyList<DType>>>().Single();
        Assert.Equal([DType.Bf16, DType.Fp16], parse.GetValue(dtypes));
        Assert.Equal(3, parse.GetValue<int>("--prompts"));
        var train = Find("train-lm").Parse(["--out", "o", "--dtype", "fp16", "--steps", "5"]);
        Assert.Empty(train.Errors);
        Assert.Equal(DType.Fp16, train.GetValue<DType>("--dtype"));
    }

    [Fact]
    public void Out_of_range_and_missing_options_are_errors()
    {
        Assert.Contains("--steps must be >= 1", Errors("train-lm", "--out", "x", "--steps", "0"));
        Assert.Contains("--kv-heads (3) must divide --heads (4)", Errors("train-lm", "--out", "x", "--kv-heads", "3"));
        Assert.Contains("--lr must be a positive number", Errors("train-lm", "--out", "x", "--lr", "-1"));
        Assert.Contains("--model", Errors("mismatch"));
        Assert.Contains("--samples must be in", Errors("mismatch", "--model", "m", "--samples", "0"));
        Assert.Contains("unknown task 'poem'; tasks: add, count, list, story", Errors("mismatch", "--model", "m", "--tasks", "story,poem"));
    }
}
