using System.Globalization;

namespace Checkpointctl.Cli;

/// <summary>Lines in the format of Go's <c>log</c> package (local time prefix), as upstream logs some messages.</summary>
internal static class GoLog
{
    public static void Write(TextWriter writer, string message) =>
        writer.Write($"{DateTime.Now.ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture)} {message}\n");
}
