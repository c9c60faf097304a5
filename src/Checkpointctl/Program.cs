namespace Checkpointctl.Cli; static class Program { static int Main() => 0; }
