using System.CommandLine;
using Precision.Orleans.Client.Evaluation;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.Client.Commands;

/// <summary>
/// The options that pick a command's problems — <c>--problems FILE</c>, or <c>--task</c> with <c>--difficulty</c>,
/// <c>--count</c> and <c>--seed</c> — shared by <c>sanity-set</c> and <c>eval</c> so both read them the same way.
/// </summary>
internal sealed class ProblemSourceOptions
{
    private readonly Option<string?> _problems = new("--problems") { Description = "JSONL problem file {prompt, answer, …} (instead of --task)" };
    private readonly Option<string?> _task = new("--task") { Description = $"generate problems with a task ({string.Join("|", TaskCatalog.Names)}; default arithmetic)" };
    private readonly Option<int?> _difficulty = new("--difficulty") { Description = "difficulty of generated problems (default: the model's pretraining difficulty)" };
    private readonly Option<int> _count;
    private readonly Option<int> _seed;

    /// <param name="defaultCount">Default of <c>--count</c>.</param>
    /// <param name="seedFamily">What the seed's problem family is kept apart from, for the help text.</param>
    public ProblemSourceOptions(int defaultCount, string seedFamily)
    {
        _count = new Option<int>("--count") { Description = "problems to generate", DefaultValueFactory = _ => defaultCount };
        _seed = new Option<int>("--seed") { Description = $"seed of the generated problems ({seedFamily}) and of sampling", DefaultValueFactory = _ => 0 };
    }

    public IEnumerable<Option> All => [_problems, _task, _difficulty, _count, _seed];

    public ProblemSource Read(ParseResult parse) => new()
    {
        ProblemsFile = parse.GetValue(_problems),
        Task = parse.GetValue(_task),
        Difficulty = parse.GetValue(_difficulty),
        Count = parse.GetValue(_count),
        Seed = parse.GetValue(_seed),
    };
}
