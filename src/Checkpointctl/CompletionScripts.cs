using System.CommandLine;
using System.Text;

namespace Checkpointctl.Cli;

/// <summary>
/// Static completion scripts generated from the command tree: commands, flags, flag values (<c>--format tree|json</c>)
/// and file paths for arguments. No call back into the binary, so completing never runs a checkpoint analysis.
/// </summary>
internal static class CompletionScripts
{
    /// <summary>A command's completion data.</summary>
    public sealed record Entry(string Name, string Help, IReadOnlyList<string> Flags, IReadOnlyDictionary<string, string[]> Values, IReadOnlyList<string> Subcommands);

    private static readonly Dictionary<string, string[]> KnownValues = new(StringComparer.Ordinal)
    {
        ["--format"] = ["tree", "json"],
    };

    public static IReadOnlyList<Entry> Model(IReadOnlyList<CliCommand> commands)
    {
        var entries = commands.Select(c =>
        {
            var flags = c.Command.Options.SelectMany(o => o.Aliases.Append(o.Name)).Append("--help").Append("-h").Distinct().Order(StringComparer.Ordinal).ToList();
            var values = c.Command.Options.Where(o => KnownValues.ContainsKey(o.Name)).ToDictionary(o => o.Name, o => KnownValues[o.Name]);
            var subcommands = c.Name == "completion" ? ["bash", "zsh", "fish", "powershell"] : c.Command.Subcommands.Select(s => s.Name).ToList();
            return new Entry(c.Name, c.ShortHelp, flags, values, subcommands);
        }).ToList();
        entries.Add(new Entry("help", "Help about any command", [], new Dictionary<string, string[]>(), [.. commands.Select(c => c.Name)]));
        return entries.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
    }

    public static string Bash(IReadOnlyList<Entry> model)
    {
        var s = new StringBuilder();
        s.Append("# bash completion for checkpointctl\n");
        s.Append("_checkpointctl() {\n");
        s.Append("    local cur prev cmd w i\n");
        s.Append("    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n");
        s.Append("    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n");
        s.Append("    cmd=\"\"\n");
        s.Append("    for ((i = 1; i < COMP_CWORD; i++)); do\n");
        s.Append("        w=\"${COMP_WORDS[i]}\"\n");
        s.Append("        case \"$w\" in -*) ;; *) cmd=\"$w\"; break ;; esac\n");
        s.Append("    done\n");
        s.Append("    if [[ -z $cmd ]]; then\n");
        s.Append("        if [[ $cur == -* ]]; then\n");
        s.Append("            COMPREPLY=($(compgen -W \"-h --help -v --version\" -- \"$cur\"))\n");
        s.Append("        else\n");
        s.Append($"            COMPREPLY=($(compgen -W \"{string.Join(' ', model.Select(e => e.Name))} $(_checkpointctl_plugins)\" -- \"$cur\"))\n");
        s.Append("        fi\n");
        s.Append("        return\n");
        s.Append("    fi\n");
        s.Append("    case \"$cmd\" in\n");
        foreach (var e in model)
        {
            s.Append($"    {e.Name})\n");
            foreach (var (flag, values) in e.Values)
                s.Append($"        if [[ $prev == {flag} ]]; then COMPREPLY=($(compgen -W \"{string.Join(' ', values)}\" -- \"$cur\")); return; fi\n");
            s.Append("        if [[ $cur == -* ]]; then\n");
            s.Append($"            COMPREPLY=($(compgen -W \"{string.Join(' ', e.Flags)}\" -- \"$cur\"))\n");
            if (e.Subcommands.Count > 0)
            {
                s.Append("        else\n");
                s.Append($"            COMPREPLY=($(compgen -W \"{string.Join(' ', e.Subcommands)}\" -- \"$cur\"))\n");
            }
            else
            {
                s.Append("        else\n");
                s.Append("            compopt -o filenames 2>/dev/null\n");
                s.Append("            COMPREPLY=($(compgen -f -- \"$cur\"))\n");
            }
            s.Append("        fi\n");
            s.Append("        ;;\n");
        }
        s.Append("    *)\n");
        s.Append("        compopt -o filenames 2>/dev/null\n");
        s.Append("        COMPREPLY=($(compgen -f -- \"$cur\"))\n");
        s.Append("        ;;\n");
        s.Append("    esac\n");
        s.Append("}\n");
        s.Append("# Plugins: executables named checkpointctl-<name> on PATH.\n");
        s.Append("_checkpointctl_plugins() {\n");
        s.Append("    compgen -c checkpointctl- 2>/dev/null | sed -n 's/^checkpointctl-//p' | sort -u\n");
        s.Append("}\n");
        s.Append("complete -F _checkpointctl checkpointctl\n");
        return s.ToString();
    }

    /// <summary>zsh runs the bash function through bashcompinit, so both shells complete alike.</summary>
    public static string Zsh(IReadOnlyList<Entry> model) =>
        "#compdef checkpointctl\n" +
        "# zsh completion for checkpointctl (uses zsh's bash completion emulation)\n" +
        "autoload -U +X bashcompinit && bashcompinit\n" +
        Bash(model).Replace("# bash completion for checkpointctl\n", "", StringComparison.Ordinal);

    public static string Fish(IReadOnlyList<Entry> model, bool descriptions)
    {
        var s = new StringBuilder();
        s.Append("# fish completion for checkpointctl\n");
        s.Append("complete -c checkpointctl -f\n");
        s.Append("complete -c checkpointctl -n '__fish_use_subcommand' -s h -l help -d 'help for checkpointctl'\n");
        s.Append("complete -c checkpointctl -n '__fish_use_subcommand' -s v -l version -d 'version for checkpointctl'\n");
        foreach (var e in model)
        {
            var desc = descriptions ? $" -d '{Quote(e.Help)}'" : "";
            s.Append($"complete -c checkpointctl -n '__fish_use_subcommand' -a {e.Name}{desc}\n");
            var seen = $"__fish_seen_subcommand_from {e.Name}";
            foreach (var flag in e.Flags.Where(f => f.StartsWith("--", StringComparison.Ordinal)))
            {
                var values = e.Values.TryGetValue(flag, out var v) ? $" -xa '{string.Join(' ', v)}'" : "";
                s.Append($"complete -c checkpointctl -n '{seen}' -l {flag[2..]}{values}\n");
            }
            if (e.Subcommands.Count > 0)
                s.Append($"complete -c checkpointctl -n '{seen}' -a '{string.Join(' ', e.Subcommands)}'\n");
            else
                s.Append($"complete -c checkpointctl -n '{seen}' -F\n");
        }
        return s.ToString();
    }

    public static string PowerShell(IReadOnlyList<Entry> model)
    {
        var s = new StringBuilder();
        s.Append("# powershell completion for checkpointctl\n");
        s.Append("Register-ArgumentCompleter -Native -CommandName 'checkpointctl' -ScriptBlock {\n");
        s.Append("    param($wordToComplete, $commandAst, $cursorPosition)\n");
        s.Append("    $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })\n");
        s.Append("    if ($wordToComplete -ne '' -and $words.Count -gt 0) { $words = @($words | Select-Object -SkipLast 1) }\n");
        s.Append("    $cmd = $words | Where-Object { -not $_.StartsWith('-') } | Select-Object -First 1\n");
        s.Append("    $prev = if ($words.Count -gt 0) { $words[-1] } else { '' }\n");
        s.Append("    $candidates = switch ($cmd) {\n");
        foreach (var e in model)
        {
            s.Append($"        '{e.Name}' {{\n");
            foreach (var (flag, values) in e.Values)
                s.Append($"            if ($prev -eq '{flag}') {{ @({string.Join(", ", values.Select(v => $"'{v}'"))}); break }}\n");
            var items = e.Flags.Concat(e.Subcommands).Select(f => $"'{f}'");
            s.Append($"            @({string.Join(", ", items)})\n");
            s.Append("        }\n");
        }
        s.Append($"        default {{ @({string.Join(", ", model.Select(e => $"'{e.Name}'").Append("'-h'").Append("'--help'").Append("'-v'").Append("'--version'"))}) }}\n");
        s.Append("    }\n");
        s.Append("    $candidates | Where-Object { $_ -like \"$wordToComplete*\" } | ForEach-Object {\n");
        s.Append("        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)\n");
        s.Append("    }\n");
        s.Append("}\n");
        return s.ToString();
    }

    private static string Quote(string text) => text.Replace("'", "\\'", StringComparison.Ordinal);
}
