using System.Text.RegularExpressions;

namespace Precision.Orleans.Client.Commands;

/// <summary>System.CommandLine's parse errors in the words a user typed (no CLR type names).</summary>
internal static partial class ParseErrorText
{
    public static string Plain(string message)
    {
        var m = CannotParse().Match(message);
        if (!m.Success) return message;
        string what = m.Groups["type"].Value switch
        {
            var t when t.Contains("Int32") || t.Contains("Int64") => "a whole number in range",
            var t when t.Contains("Single") || t.Contains("Double") => "a number",
            var t when t.Contains("Boolean") => "true or false",
            var t => t,
        };
        return $"{m.Groups["option"].Value}: '{m.Groups["value"].Value}' is not {what}";
    }

    [GeneratedRegex(@"Cannot parse argument '(?<value>.*)' for (?:option|command|argument) '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();
}
