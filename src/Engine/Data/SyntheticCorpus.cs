using System.Globalization;
using System.Text;
using Precision.Orleans.Engine.Text;

namespace Precision.Orleans.Engine.Data;

/// <summary>
/// A deterministic (seeded) generator of prompt/response text with learnable structure and genuine
/// entropy, so that a tiny model learns it in minutes and temperature-1 samples still vary in content
/// and length (responses run from about 10 to about 200 characters):
/// <list type="bullet">
/// <item>worked column addition — fully determined by the prompt ("add 48+79: 8+9=17 carry 1; 4+7+1=12 carry 1; 1; = 127");</item>
/// <item>counting by a step — the stopping point is random;</item>
/// <item>lists of words from a category — every item and the length are random;</item>
/// <item>stories from a small grammar — every word choice and the number of sentences are random.</item>
/// </list>
/// The mismatch analysis draws its prompts from the same generator with a held-out seed.
/// </summary>
public sealed class SyntheticCorpus
{
    /// <summary>Every character the generator can emit.</summary>
    public const string Alphabet = " abcdefghijklmnopqrstuvwxyz0123456789+=:;,.";

    private static readonly string[] Animals = ["cat", "dog", "owl", "fox", "bird", "fish", "bee", "cow", "hen", "frog", "bear", "wolf"];
    private static readonly string[] Fruits = ["apple", "pear", "plum", "fig", "lime", "kiwi", "grape", "melon", "peach", "lemon"];
    private static readonly string[] Colors = ["red", "blue", "green", "pink", "gray", "black", "white", "gold"];
    private static readonly string[] Adjectives = ["big", "small", "old", "young", "happy", "sad", "quick", "slow", "red", "green"];
    private static readonly string[] Verbs = ["sees", "finds", "likes", "helps", "chases", "meets", "follows"];
    private static readonly string[] Intransitive = ["runs", "sleeps", "sings", "jumps", "waits", "hides"];
    private static readonly string[] Places = ["the tree", "the river", "the hill", "the house", "the farm", "the lake"];
    private static readonly string[] Prepositions = ["near", "under", "behind", "to", "past"];

    /// <summary>Names of the tasks of the default mix, as in <see cref="CorpusExample.Task"/>.</summary>
    public static readonly IReadOnlyList<string> Tasks = ["add", "count", "list", "story"];

    /// <summary>
    /// Every task, including the opt-in long-form "saga" (hundreds to thousands of characters), which the
    /// default mix leaves out so that the default model stays small and quick to train.
    /// </summary>
    public static readonly IReadOnlyList<string> AllTasks = ["add", "count", "list", "story", "saga"];

    /// <summary>Relative weight of each task in <see cref="AllTasks"/> when it is among those asked for.</summary>
    private static readonly double[] TaskWeights = [0.3, 0.2, 0.2, 0.3, 0.3];

    private readonly Random _random;

    public SyntheticCorpus(int seed) => _random = new Random(seed);

    /// <summary>A tokenizer whose alphabet covers everything this generator emits.</summary>
    public static CharTokenizer CreateTokenizer() => new(Alphabet);

    /// <summary>The next example; the task is drawn at random (addition 30%, counting 20%, lists 20%, stories 30%).</summary>
    public CorpusExample Next() => Next(Tasks);

    /// <summary>
    /// The next example of one of <paramref name="tasks"/>, drawn with the tasks' relative weights
    /// (one uniform draw per example, so the default mix reproduces <see cref="Next()"/> exactly).
    /// </summary>
    public CorpusExample Next(IReadOnlyCollection<string> tasks)
    {
        ValidateTasks(tasks);
        double total = 0;
        for (int i = 0; i < AllTasks.Count; i++) if (tasks.Contains(AllTasks[i])) total += TaskWeights[i];
        double u = _random.NextDouble() * total, edge = 0;
        string chosen = AllTasks.Last(tasks.Contains);
        for (int i = 0; i < AllTasks.Count; i++)
        {
            if (!tasks.Contains(AllTasks[i])) continue;
            edge += TaskWeights[i];
            if (u < edge) { chosen = AllTasks[i]; break; }
        }
        return chosen switch
        {
            "add" => Addition(),
            "count" => Counting(),
            "list" => List(),
            "story" => Story(),
            _ => Saga(),
        };
    }

    /// <summary>The next <paramref name="count"/> examples drawn from <paramref name="tasks"/>.</summary>
    public IReadOnlyList<CorpusExample> Take(int count, IReadOnlyCollection<string> tasks)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "corpus: count must be >= 0");
        ValidateTasks(tasks);
        var list = new List<CorpusExample>(count);
        while (list.Count < count) list.Add(Next(tasks));
        return list;
    }

    public IReadOnlyList<CorpusExample> Take(int count) => Take(count, Tasks);

    /// <summary>Throws, naming the allowed tasks, when <paramref name="tasks"/> is empty or names an unknown task.</summary>
    public static void ValidateTasks(IReadOnlyCollection<string> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        foreach (string t in tasks)
            if (!AllTasks.Contains(t)) throw new ArgumentException($"corpus: unknown task '{t}'; tasks: {string.Join(", ", AllTasks)}");
        if (tasks.Count == 0) throw new ArgumentException($"corpus: give at least one task from {string.Join(", ", AllTasks)}");
    }

    /// <summary>Column addition worked digit by digit from the right, with carries.</summary>
    public CorpusExample Addition()
    {
        int digitsA = _random.Next(1, 5), digitsB = _random.Next(1, 5);
        int a = RandomNumber(digitsA), b = RandomNumber(digitsB);
        var sb = new StringBuilder();
        int carry = 0, column = 0;
        for (int x = a, y = b; x > 0 || y > 0; x /= 10, y /= 10, column++)
        {
            int dx = x % 10, dy = y % 10, sum = dx + dy + carry;
            sb.Append(' ');
            // A missing digit of the shorter number is simply left out, as a person writes it.
            var terms = new List<string>(3);
            if (x > 0) terms.Add(Digit(dx));
            if (y > 0) terms.Add(Digit(dy));
            if (carry > 0) terms.Add("1");
            sb.Append(string.Join('+', terms));
            if (terms.Count > 1) sb.Append('=').Append(sum.ToString(CultureInfo.InvariantCulture));
            carry = sum / 10;
            if (carry > 0) sb.Append(" carry 1");
            sb.Append(';');
        }
        if (carry > 0) sb.Append(" 1;");
        sb.Append(" = ").Append((a + b).ToString(CultureInfo.InvariantCulture));
        return new CorpusExample("add", $"add {a}+{b}:", sb.ToString());
    }

    /// <summary>Counting up by a step from a start; stops after a random number of terms.</summary>
    public CorpusExample Counting()
    {
        int start = _random.Next(0, 100), step = _random.Next(1, 10), terms = _random.Next(3, 25);
        var sb = new StringBuilder();
        for (int i = 0; i < terms; i++)
            sb.Append(i == 0 ? " " : ", ").Append((start + i * step).ToString(CultureInfo.InvariantCulture));
        sb.Append('.');
        return new CorpusExample("count", $"count from {start} by {step}:", sb.ToString());
    }

    /// <summary>A random-length list of random words of one category.</summary>
    public CorpusExample List()
    {
        (string name, string[] words) = _random.Next(3) switch
        {
            0 => ("animals", Animals),
            1 => ("fruits", Fruits),
            _ => ("colors", Colors),
        };
        int items = _random.Next(2, 16);
        var sb = new StringBuilder();
        for (int i = 0; i < items; i++) sb.Append(i == 0 ? " " : ", ").Append(Pick(words));
        sb.Append('.');
        return new CorpusExample("list", $"list {name}:", sb.ToString());
    }

    /// <summary>One to six sentences from a small grammar about a given animal.</summary>
    public CorpusExample Story()
    {
        string hero = Pick(Animals);
        return new CorpusExample("story", $"story about the {hero}:", Sentences(hero, _random.Next(1, 7)));
    }

    /// <summary>
    /// Long-form: 20 to 70 sentences of the story grammar (about 500 to 1,800 characters), so that
    /// responses are long enough for a per-token bias between the engines to add up.
    /// </summary>
    public CorpusExample Saga()
    {
        string hero = Pick(Animals);
        return new CorpusExample("saga", $"saga about the {hero}:", Sentences(hero, _random.Next(20, 71)));
    }

    private string Sentences(string hero, int sentences)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < sentences; i++)
        {
            string subject = i == 0 || _random.Next(3) == 0 ? $"the {hero}" : "it";
            sb.Append(' ').Append(subject).Append(' ');
            switch (_random.Next(3))
            {
                case 0:
                    sb.Append(Pick(Verbs)).Append(' ').Append(_random.Next(2) == 0 ? "a" : "the").Append(' ')
                      .Append(Pick(Adjectives)).Append(' ').Append(Pick(Animals));
                    break;
                case 1:
                    sb.Append(Pick(Intransitive)).Append(' ').Append(Pick(Prepositions)).Append(' ').Append(Pick(Places));
                    break;
                default:
                    sb.Append("eats ").Append(_random.Next(2, 10).ToString(CultureInfo.InvariantCulture)).Append(' ')
                      .Append(Pick(Fruits)).Append('s');
                    break;
            }
            sb.Append('.');
        }
        return sb.ToString();
    }

    private int RandomNumber(int digits)
    {
        int lo = digits == 1 ? 0 : (int)Math.Pow(10, digits - 1);
        return _random.Next(lo, (int)Math.Pow(10, digits));
    }

    private static string Digit(int d) => ((char)('0' + d)).ToString();

    private string Pick(string[] words) => words[_random.Next(words.Length)];
}
