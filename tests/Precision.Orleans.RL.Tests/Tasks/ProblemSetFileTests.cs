using Xunit;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Tests.Tasks;

public sealed class ProblemSetFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("problemset-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteLines(params string[] lines)
    {
        string path = Path.Combine(_dir, "set.jsonl");
        File.WriteAllText(path, string.Join("\n", lines));
        return path;
    }

    [Fact]
    public void WriteThenReadRoundTrips()
    {
        ProblemRecord[] records =
        [
            new(new Problem("a", "add 1+2:", "3", 2), "arithmetic", 0.375, 40),
            new(new Problem("b", "What is \"half\"?\n", "\\frac{1}{2}")),
        ];
        string path = Path.Combine(_dir, "sub", "out.jsonl");
        ProblemSetFile.Write(path, records);
        Assert.Equal(records, ProblemSetFile.Read(path));
        Assert.Equal(records.Select(r => r.Problem), ProblemSetFile.ReadProblems(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, ".*.tmp"));
    }

    [Fact]
    public void MissingIdBecomesLineNumberAndNumericAnswersAreKept()
    {
        string path = WriteLines("{\"prompt\": \"p1\", \"answer\": \"1\"}", "", "{\"prompt\": \"p2\", \"answer\": 42, \"difficulty\": 3}");
        var records = ProblemSetFile.Read(path);
        Assert.Equal(new Problem("line-1", "p1", "1"), records[0].Problem);
        Assert.Equal(new Problem("line-3", "p2", "42", 3), records[1].Problem);
        Assert.Null(records[0].Task);
    }

    [Theory]
    [InlineData("{\"prompt\": \"p\", \"answer\": ", 2, "bad JSON")]
    [InlineData("{\"answer\": \"1\"}", 2, "missing \"prompt\"")]
    [InlineData("{\"prompt\": \"p\"}", 2, "missing \"answer\"")]
    [InlineData("[1, 2]", 2, "expected a JSON object")]
    [InlineData("{\"prompt\": \"p\", \"answer\": \"1\", \"difficulty\": \"hard\"}", 2, "wrong type")]
    [InlineData("{\"prompt\": \"p\", \"answer\": \"1\", \"accuracy\": 1.5}", 2, "'accuracy' must be in [0, 1]")]
    public void ErrorsNameTheFileTheLineAndTheProblem(string badLine, int line, string problem)
    {
        string path = WriteLines("{\"prompt\": \"ok\", \"answer\": \"1\"}", badLine);
        var e = Assert.Throws<InvalidDataException>(() => ProblemSetFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains($"line {line}", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void EmptyAndMissingFilesAreRefused()
    {
        string path = WriteLines("", "  ");
        var e = Assert.Throws<InvalidDataException>(() => ProblemSetFile.Read(path));
        Assert.Contains("empty", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Throws<FileNotFoundException>(() => ProblemSetFile.Read(Path.Combine(_dir, "nope.jsonl")));
    }
}
