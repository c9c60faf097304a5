namespace Checkpointctl.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var rawStdout = Console.OpenStandardOutput();
        var stdout = new StreamWriter(rawStdout, new System.Text.UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        var stderr = new StreamWriter(Console.OpenStandardError(), new System.Text.UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };
        try
        {
            return CliApp.Run(args, stdout, stderr, rawStdout, !Console.IsErrorRedirected);
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
