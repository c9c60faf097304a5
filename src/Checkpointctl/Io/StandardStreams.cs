namespace Checkpointctl.Cli.Io;

/// <summary>The process's standard file descriptors as plain streams, bypassing System.Console's terminal handling.</summary>
internal static class StandardStreams
{
    public static Stream Open(int fd) => new DescriptorStream(fd);

    /// <summary>Whether stderr is a terminal (an isatty check only; it does not set the terminal up).</summary>
    public static bool ErrorIsTerminal => !Console.IsErrorRedirected;
}
