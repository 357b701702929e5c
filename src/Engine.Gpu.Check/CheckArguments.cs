using System.Globalization;

namespace Precision.Orleans.Engine.Gpu.Check;

/// <summary>"--name value" pairs and "--flag"s after the subcommand; unknown or malformed values are one-line errors.</summary>
internal sealed class CheckArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public CheckArguments(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null) _values[pending] = "true";
                pending = a[2..];
            }
            else if (pending is not null)
            {
                _values[pending] = a;
                pending = null;
            }
            else throw new ArgumentException($"unexpected argument '{a}'");
        }
        if (pending is not null) _values[pending] = "true";
    }

    public bool Flag(string name) => String(name) == "true";

    public string? String(string name)
    {
        _used.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public string Required(string name) => String(name) ?? throw new ArgumentException($"--{name} is required");

    public int Int(string name, int fallback) =>
        String(name) is { } s ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v
            : throw new ArgumentException($"--{name}: '{s}' is not a positive integer") : fallback;

    public void RejectUnknown()
    {
        foreach (var key in _values.Keys)
            if (!_used.Contains(key)) throw new ArgumentException($"unknown option --{key}");
    }
}
