using System.CommandLine;

namespace Checkpointctl.Cli.Flags;

/// <summary>
/// Typed flag values read as pflag reads them (Go's strconv, base 0) with pflag's error text:
/// <c>invalid argument "-1" for "-p, --pid" flag: strconv.ParseUint: parsing "-1": invalid syntax</c>.
/// Typed options are declared as string options and converted here, before any input is opened.
/// </summary>
internal static class GoFlags
{
    /// <summary>A <c>uint32</c> flag; 0 when absent.</summary>
    public static uint Uint32(ParseResult parse, Option<string> option) =>
        parse.GetValue(option) is { } text ? (uint)(GoStrconv.ParseUint(text, 32, out var error) ?? throw Invalid(option, text, error!)) : 0;

    /// <summary>
    /// A repeatable list of <c>uint32</c> values, each occurrence comma-separated as pflag's slice flags read them
    /// (<c>-p 1,2 -p 3</c>); empty when absent.
    /// </summary>
    public static IReadOnlyList<uint> Uint32List(ParseResult parse, Option<string[]> option)
    {
        var values = new List<uint>();
        foreach (var text in parse.GetValue(option) ?? [])
        {
            foreach (var item in text.Split(','))
                values.Add((uint)(GoStrconv.ParseUint(item, 32, out var error) ?? throw Invalid(option, text, error!)));
        }
        return values;
    }

    /// <summary>An <c>int</c> flag (64 bits, as Go's int on 64-bit hosts); 0 when absent.</summary>
    public static long Int(ParseResult parse, Option<string> option) =>
        parse.GetValue(option) is { } text ? GoStrconv.ParseInt(text, 64, out var error) ?? throw Invalid(option, text, error!) : 0;

    /// <summary>A <c>stringSlice</c> flag: every occurrence, each split at commas as pflag does; empty when absent.</summary>
    public static IReadOnlyList<string> StringSlice(ParseResult parse, Option<string[]> option) =>
        (parse.GetValue(option) ?? []).SelectMany(v => v.Split(',')).Where(v => v.Length > 0).Distinct().ToList();

    /// <summary>
    /// Rewrites <c>--flag=value</c> of boolean flags as pflag reads it (<c>--flag</c> when the value is true, nothing
    /// when false, an error when it is no Go bool). Boolean flags take no separate value: in <c>--stats false</c>,
    /// <c>false</c> is an argument, as in cobra.
    /// </summary>
    public static string[] NormalizeBooleans(string[] args, IEnumerable<Option> booleanOptions)
    {
        var names = booleanOptions.DistinctBy(o => o.Name).ToDictionary(o => o.Name, StringComparer.Ordinal);
        var result = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                result.AddRange(args[i..]);
                break;
            }
            var equals = arg.IndexOf('=');
            if (!arg.StartsWith("--", StringComparison.Ordinal) || equals < 0 || !names.TryGetValue(arg[..equals], out var option))
            {
                result.Add(arg);
                continue;
            }
            var value = arg[(equals + 1)..];
            if (GoStrconv.ParseBool(value, out var error) is not { } flag)
                throw Invalid(option, value, error!);
            if (flag)
                result.Add(arg[..equals]);
        }
        return [.. result];
    }

    /// <summary>pflag's name for a flag in messages: <c>-p, --pid</c> or <c>--format</c>.</summary>
    public static string DisplayName(Option option) =>
        option.Aliases.FirstOrDefault(a => a.Length == 2) is { } shorthand ? $"{shorthand}, {option.Name}" : option.Name;

    private static UsageException Invalid(Option option, string value, string error) =>
        new($"invalid argument {GoStrconv.Quote(value)} for {GoStrconv.Quote(DisplayName(option))} flag: {error}");
}
