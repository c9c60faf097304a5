using System.CommandLine;
using System.CommandLine.Parsing;
using System.Reflection;
using Checkpointctl.Cli.Commands;
using Checkpointctl.Cli.Flags;
using Checkpointctl.Core;

namespace Checkpointctl.Cli;

/// <summary>
/// The command tree, cobra-compatible help and error messages, and the single place where errors become
/// <c>Error: message</c> on stderr with exit code 1.
/// </summary>
public static class CliApp
{
    public const string Name = "checkpointctl";
    private const int BrokenPipe = 32;
    public const string ShortHelp = "checkpointctl is a tool to read and manipulate checkpoint archives";
    public const string LongHelp = ShortHelp + " as created by Podman, CRI-O and containerd";

    public static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Runs one command line; returns the exit code.</summary>
    /// <param name="stdout">Text output; must write to <paramref name="rawStdout"/>.</param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, Stream rawStdout, bool stderrIsTerminal = false)
    {
        var context = new CliContext(stdout, stderr, rawStdout, stderrIsTerminal);
        List<CliCommand> commands = [new BuildCommand(), new CheckCommand(), new CoredumpCommand(), new DiffCommand(), new ImageCommand(), new InspectCommand(), new ListCommand(), new MemparseCommand(), new ReportCommand(), new ShowCommand()];
        var builtIn = commands.Select(c => c.Name).Concat(["completion", "help", "plugin"]).ToHashSet(StringComparer.Ordinal);
        commands.Add(new CompletionCommand(commands));
        commands.Add(new PluginCommand(builtIn));
        commands.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        if (args is [ManPages.CommandName, var manDirectory])
            return ManPages.WriteAll(manDirectory, commands);
        // An unknown first word may be a plugin (checkpointctl-<name> on PATH): run it with the remaining arguments.
        if (args.Length > 0 && !args[0].StartsWith('-') && !builtIn.Contains(args[0])
            && Plugins.Discover(builtIn).FirstOrDefault(p => p.Name == args[0]) is { } plugin)
        {
            stdout.Flush();
            return plugin.Run(args[1..]);
        }
        var root = new RootCommand(LongHelp);
        root.Options.Clear();
        root.Directives.Clear();
        var help = new Option<bool>("--help", "-h") { Recursive = true };
        var version = new Option<bool>("--version", "-v");
        root.Options.Add(help);
        root.Options.Add(version);
        var helpCommand = new Command("help", "Help about any command");
        var helpTopic = new Argument<string[]>("command") { Arity = ArgumentArity.ZeroOrMore };
        helpCommand.Arguments.Add(helpTopic);
        root.Subcommands.Add(helpCommand);
        foreach (var c in commands)
            root.Subcommands.Add(c.Command);
        // Actions are dispatched here, not by System.CommandLine; these only stop "Required command was not provided".
        root.SetAction(_ => 0);
        helpCommand.SetAction(_ => 0);
        foreach (var c in commands)
            c.Command.SetAction(_ => 0);

        // cobra's booleans: no separate value, "--flag=value" read as Go bools.
        var booleans = root.Options.Concat(root.Subcommands.SelectMany(c => c.Options.Concat(c.Subcommands.SelectMany(s => s.Options))))
            .OfType<Option<bool>>().Distinct().ToList();
        foreach (var b in booleans)
            b.Arity = ArgumentArity.Zero;
        try
        {
            args = GoFlags.NormalizeBooleans(args, booleans);
            var parse = root.Parse(args, new ParserConfiguration { EnablePosixBundling = true, ResponseFileTokenReplacer = null });
            var invoked = parse.CommandResult.Command;
            var target = commands.FirstOrDefault(c => c.Command == invoked || c.Command.Subcommands.Contains(invoked));
            if (parse.GetValue(help))
            {
                Help.Write(stdout, target, commands, PluginEntries(target, builtIn));
                return 0;
            }
            if (parse.Errors.Count > 0 || UnknownFlag(parse) != null)
                throw new UsageException(ParseErrorMessage(parse, target));
            if (parse.CommandResult.Command == helpCommand)
            {
                var topic = parse.GetValue(helpTopic) ?? [];
                var about = commands.FirstOrDefault(c => topic.Length > 0 && c.Name == topic[0]);
                if (topic.Length > 0 && about == null)
                {
                    stdout.Write($"Unknown help topic [`{string.Join(' ', topic)}`]\n");
                    Help.Write(stdout, null, commands, PluginEntries(null, builtIn), usageOnly: true);
                    return 0;
                }
                Help.Write(stdout, about, commands, PluginEntries(about, builtIn));
                return 0;
            }
            if (target == null)
            {
                if (parse.GetValue(version))
                {
                    stdout.Write($"{Name} version {Version}\n");
                    return 0;
                }
                Help.Write(stdout, null, commands, PluginEntries(null, builtIn));
                return 0;
            }
            return target.Execute(parse, context);
        }
        catch (UsageException e) when (e.Message.StartsWith("unknown command", StringComparison.Ordinal))
        {
            stderr.Write($"Error: {e.Message}\nRun '{Name} --help' for usage.\n");
            return 1;
        }
        catch (Exception e) when (e is UsageException or CheckpointException or BuildahException)
        {
            stderr.Write($"Error: {OneLine(e.Message)}\n");
            return 1;
        }
        catch (IOException e) when (e.HResult == BrokenPipe)
        {
            // The reader of our output went away (e.g. `| head`): Go dies of SIGPIPE silently; the shell sees 128+13.
            return 128 + 13;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not raised by a read of the input (those become CheckpointExceptions with their path): the output failed.
            stderr.Write($"Error: write: {SystemErrors.Reason(e)}\n");
            return 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A defect of ours, not of the input: still one line, never a stack trace or .NET's words; a developer
            // sets CHECKPOINTCTL_DEBUG to see the exception.
            var detail = Environment.GetEnvironmentVariable("CHECKPOINTCTL_DEBUG") is { Length: > 0 } ? $" ({OneLine(e.ToString())})" : "";
            stderr.Write($"Error: internal error{detail}\n");
            return 1;
        }
    }

    // Plugins appear in the root help only; their descriptions are asked for only now, never at start-up.
    private static IReadOnlyList<(string Name, string Help)> PluginEntries(CliCommand? target, IReadOnlySet<string> builtIn) =>
        target != null ? [] : Plugins.Discover(builtIn).Select(p => (p.Name, p.Describe() ?? $"Plugin provided by {p.Path}")).ToList();

    // System.CommandLine takes an unknown "--x" as a positional argument when a command accepts any; cobra rejects it.
    // Only positional values count: an option's value may start with '-' (e.g. "-c -1").
    private static string? UnknownFlag(ParseResult parse)
    {
        var afterDoubleDash = false;
        var positional = parse.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).ToHashSet();
        foreach (var token in parse.Tokens)
        {
            afterDoubleDash |= token.Type == TokenType.DoubleDash;
            if (!afterDoubleDash && positional.Contains(token) && token.Value.Length > 1 && token.Value[0] == '-')
                return token.Value;
        }
        return null;
    }

    // Cobra's wording for the parse errors scripts see most.
    private static string ParseErrorMessage(ParseResult parse, CliCommand? target)
    {
        if (UnknownFlag(parse) is { } unknown)
            return unknown.StartsWith("--", StringComparison.Ordinal) ? $"unknown flag: {unknown.Split('=')[0]}" : $"unknown shorthand flag: '{unknown[1]}' in {unknown}";
        foreach (var token in parse.UnmatchedTokens)
        {
            if (token.StartsWith("--", StringComparison.Ordinal))
                return $"unknown flag: {token.Split('=')[0]}";
            if (token.StartsWith('-') && token.Length > 1)
                return $"unknown shorthand flag: '{token[1]}' in {token}";
            if (target == null)
                return $"unknown command \"{token}\" for \"{Name}\"";
        }
        foreach (var error in parse.Errors)
        {
            if (error.SymbolResult is OptionResult option)
            {
                var typed = option.IdentifierToken?.Value ?? option.Option.Name;
                var value = option.Tokens.Count > 0 ? option.Tokens[0].Value : null;
                if (value == null)
                    return typed.StartsWith("--", StringComparison.Ordinal) ? $"flag needs an argument: {typed}" : $"flag needs an argument: '{typed[1..]}' in {typed}";
                return $"invalid argument {GoStrconv.Quote(value)} for {GoStrconv.Quote(GoFlags.DisplayName(option.Option))} flag";
            }
        }
        return parse.Errors[0].Message;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
