using System.Text;

namespace Checkpointctl.Cli.Io;

/// <summary>
/// stderr for the CLI: unbuffered, and before each write it flushes stdout, so that when both reach one pipe or
/// terminal every line appears in the order it was written (stdout is buffered for speed, stderr is not).
/// </summary>
internal sealed class OrderedErrorWriter(Stream error, TextWriter stdout) : TextWriter
{
    private readonly StreamWriter _error = new(error, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };

    public override Encoding Encoding => _error.Encoding;

    public override void Write(char value)
    {
        FlushStdout();
        _error.Write(value);
    }

    public override void Write(string? value)
    {
        FlushStdout();
        _error.Write(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        FlushStdout();
        _error.Write(buffer, index, count);
    }

    public override void Flush() => _error.Flush();

    private void FlushStdout()
    {
        try
        {
            stdout.Flush();
        }
        catch (IOException)
        {
            // stdout is gone (a closed pipe); the message still goes to stderr.
        }
    }
}
