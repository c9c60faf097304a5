// Lists the containers and processes of a checkpoint of any shape with their files, sockets and memory, reads the
// start of each process's vDSO (an ELF image) and, given a text, searches every process's memory for it:
//   dotnet run --project examples/ListProcesses -c Release -- examples/simple-zstd.tar.zst counter.log
using Checkpointctl.Core;
using Checkpointctl.Core.Api;

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: ListProcesses CHECKPOINT [TEXT]");
    return 2;
}
try
{
    var checkpoint = Checkpoint.Open(args[0]);
    foreach (var container in checkpoint.Containers)
    {
        Console.WriteLine($"container {container.Name} ({container.Info.EngineName}), {container.Processes.Count} processes");
        foreach (var process in container.Processes)
        {
            Console.WriteLine($"  {process.Pid} (parent {process.ParentPid}) {process.State} {process.Command}{(process.CommandLine.Length > 0 ? ": " + process.CommandLine : "")}");
            Console.WriteLine($"    {process.Files.Count} files, {process.Sockets.Count} sockets, {process.Environment.Count} environment variables");
            if (process.MemoryMap is not { } map)
                continue;
            Console.WriteLine($"    {map.Mappings.Count} mappings, {map.DumpedPages} pages dumped");
            if (map.Mappings.FirstOrDefault(m => m.Name == "[vdso]") is { } vdso)
            {
                var header = new byte[4];
                var held = container.ReadMemory(process.Pid, vdso.Start, header);
                Console.WriteLine($"    [vdso] at {vdso.Start:x} starts with {Convert.ToHexString(header)} ({held} bytes held)");
            }
            if (args.Length == 2)
            {
                foreach (var match in container.Search(process.Pid, args[1], context: 8))
                    Console.WriteLine($"    found at {match.Address:x}: {match.Text}");
            }
        }
    }
    return 0;
}
catch (CheckpointException e)
{
    Console.Error.WriteLine($"Error: {e.Message}");
    return 1;
}
