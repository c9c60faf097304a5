namespace Checkpointctl.Cli;

/// <summary>Argument-count checks with cobra's messages.</summary>
internal static class CliArgs
{
    public static string[] AtLeastOne(string[]? args) =>
        args is { Length: > 0 } ? args : throw new UsageException("requires at least 1 arg(s), only received 0");

    public static string[] Exactly(string[]? args, int n) =>
        (args?.Length ?? 0) == n ? args! : throw new UsageException($"accepts {n} arg(s), received {args?.Length ?? 0}");
}

/// <summary>A command-line usage error (reported as <c>Error: ...</c>, exit 1, like cobra).</summary>
internal sealed class UsageException(string message) : Exception(message);
