using System.CommandLine;
using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core;
using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Commands;

/// <summary><c>list [directories]</c>: Kubernetes checkpoint archives in the kubelet's or the given directories.</summary>
internal sealed class ListCommand : CliCommand
{
    private readonly Argument<string[]> _dirs = new("directories") { Arity = ArgumentArity.ZeroOrMore };

    public ListCommand() : base("list", "List checkpoints stored in the default and additional directories", "list [directories]")
    {
        Command.Arguments.Add(_dirs);
    }

    public override int Execute(ParseResult parse, CliContext context)
    {
        var given = parse.GetValue(_dirs) is { Length: > 0 } args ? args : null;
        // Without arguments the kubelet's pod checkpoints are searched too; the message for none names upstream's directory.
        IReadOnlyList<string> dirs = given ?? CheckpointListing.DefaultDirectories;
        var table = new TabTable("NAMESPACE", "POD", "CONTAINER", "ENGINE", "TIME CHECKPOINTED", "CHECKPOINT NAME");
        var found = false;
        foreach (var dir in dirs)
        {
            var archives = CheckpointListing.Find(dir);
            if (archives.Count == 0)
                continue;
            found = true;
            context.Out.Write($"Listing checkpoints in path: {dir}\n");
            foreach (var path in archives)
            {
                try
                {
                    // A pod checkpoint gives a row per container.
                    foreach (var c in CheckpointListing.ReadAll(path).Select(l => l.Container))
                        table.AddRow(c.Namespace, c.Pod, c.Name, c.EngineName, c.Checkpointed.ToRfc822(), Path.GetFileName(path));
                }
                catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException)
                {
                    // Reported and skipped, with the timestamp prefix of Go's log package, as upstream.
                    GoLog.Write(context.Error, $"Error extracting information from {path}: {WithoutPath(e.Message, path)}");
                }
            }
        }
        if (!found)
        {
            context.Out.Write($"No checkpoints found in [{string.Join(' ', given ?? [CheckpointListing.DefaultDirectory])}]\n");
            return 0;
        }
        table.WriteTo(context.Out);
        return 0;
    }

    // The line already names the archive: drop it from the message ("<path>: …", "… (<path>)", "… (<path>, …)").
    private static string WithoutPath(string message, string path) =>
        message.StartsWith(path + ": ", StringComparison.Ordinal)
            ? message[(path.Length + 2)..]
            : message.Replace($" ({path})", "", StringComparison.Ordinal).Replace($"({path}, ", "(", StringComparison.Ordinal).Replace($"({path}: ", "(", StringComparison.Ordinal);
}
