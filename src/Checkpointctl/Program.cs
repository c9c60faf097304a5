using Checkpointctl.Cli.Io;

namespace Checkpointctl.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // File descriptors 1 and 2 are used directly, not through System.Console: Console's terminal support writes
        // mode sequences (keypad transmit) to a terminal on first use and again after every SIGCONT.
        var rawStdout = StandardStreams.Open(1);
        var stdout = new StreamWriter(rawStdout, new System.Text.UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        // Everything written to stderr first pushes out what stdout holds, so a shared pipe keeps the order of writing.
        var stderr = new OrderedErrorWriter(StandardStreams.Open(2), stdout);
        try
        {
            return CliApp.Run(args, stdout, stderr, rawStdout, StandardStreams.ErrorIsTerminal);
        }
        finally
        {
            try
            {
                stdout.Flush();
            }
            catch (IOException)
            {
                // stdout closed early (e.g. piped into head): nothing more to say.
            }
        }
    }
}
