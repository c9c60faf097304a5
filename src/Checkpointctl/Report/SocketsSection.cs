using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Cli.Report;

/// <summary>The sockets of every process: a graph of the connections between them, and a sortable table.</summary>
internal static class SocketsSection
{
    public static void Write(Html html, ReportCheckpoint c)
    {
        HtmlReport.Heading(html, c, "sockets", "Sockets");
        var commands = c.Commands();
        var sockets = (c.Inspection.Sockets ?? []).SelectMany(p => p.Sockets.Select(s => (p.Pid, Socket: s))).ToList();
        if (sockets.Count > 0)
            SocketGraph.Write(html, sockets, commands);
        var rows = sockets.Select(e => new Row(
        [
            Cell.Number(e.Pid), commands.GetValueOrDefault(e.Pid, ""), Cell.Number(e.Socket.Fd), e.Socket.Protocol, e.Socket.Type, e.Socket.State,
            Local(e.Socket), Remote(e.Socket), Cell.Number(e.Socket.SendBuffer, Units.SocketBytes(e.Socket.SendBuffer)),
            Cell.Number(e.Socket.RecvBuffer, Units.SocketBytes(e.Socket.RecvBuffer)), Cell.Number(e.Socket.SendQueue), Cell.Number(e.Socket.RecvQueue),
            Cell.Number(e.Socket.Inode), e.Socket.Peer != 0 ? Cell.Number(e.Socket.Peer) : "",
        ])).ToList();
        Table.Write(html, ["PID", "Process", "FD", "Protocol", "Type", "State", "Local", "Remote", "Send buffer", "Receive buffer", "Send queue", "Receive queue",
            "Inode", "Peer"], rows);
    }

    /// <summary>The local end: address and port, a UNIX name, or nothing.</summary>
    public static string Local(SocketInfo s) => s.Kind switch
    {
        SocketKind.Inet => Endpoint(s.Source, s.SourcePort, s.IsIPv6),
        SocketKind.Unix => s.Address.Length > 0 ? s.Address : "(unnamed)",
        _ => "",
    };

    public static string Remote(SocketInfo s) => s.Kind == SocketKind.Inet ? Endpoint(s.Destination, s.DestinationPort, s.IsIPv6) : "";

    private static string Endpoint(string address, uint port, bool v6) => v6 ? $"[{address}]:{port}" : $"{address}:{port}";
}
