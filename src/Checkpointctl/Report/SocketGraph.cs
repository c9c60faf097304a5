using Checkpointctl.Core.Model;

namespace Checkpointctl.Cli.Report;

/// <summary>
/// The connections between the container's own sockets as an arc diagram: one row per socket, an arc between two
/// sockets that are the two ends of one connection (a TCP/UDP pair whose addresses mirror each other, a UNIX pair
/// whose peers name each other), a dashed arc between processes holding the same socket.
/// </summary>
internal static class SocketGraph
{
    private const int MaxSockets = 300;
    private const double RowHeight = 24, ArcStep = 18;

    public static void Write(Html html, IReadOnlyList<(uint Pid, SocketInfo Socket)> sockets, IReadOnlyDictionary<uint, string> commands)
    {
        html.Element("h3", "Connections between the container's sockets");
        var shown = sockets.Take(MaxSockets).ToList();
        var edges = Edges(shown);
        if (edges.Count == 0)
        {
            html.Element("p", "No socket of the checkpoint is connected to another socket of the checkpoint.", "muted");
            return;
        }
        var span = edges.Max(e => e.B - e.A);
        var axis = 20 + Math.Min(span, 12) * ArcStep;
        var height = shown.Count * RowHeight + 8;
        html.Open("svg", ("class", "sockets"), ("width", Html.Num(axis + 620)), ("height", Html.Num(height)), ("viewBox", $"0 0 {Html.Num(axis + 620)} {Html.Num(height)}"),
            ("role", "img"), ("aria-label", "Connections between sockets"));
        foreach (var (a, b, kind) in edges)
            Arc(html, axis, a, b, kind);
        for (var i = 0; i < shown.Count; i++)
            Node(html, axis, i, shown[i], commands);
        html.Close("svg").Raw("\n");
        if (sockets.Count > MaxSockets)
            html.Element("p", $"The graph shows the first {MaxSockets} of {sockets.Count} sockets.", "note");
    }

    /// <summary>Pairs of row indexes (A &lt; B) and the kind of link: <c>inet</c>, <c>unix</c> or <c>same</c>.</summary>
    private static List<(int A, int B, string Kind)> Edges(IReadOnlyList<(uint Pid, SocketInfo Socket)> sockets)
    {
        var edges = new List<(int, int, string)>();
        for (var a = 0; a < sockets.Count; a++)
        {
            for (var b = a + 1; b < sockets.Count; b++)
            {
                var (x, y) = (sockets[a].Socket, sockets[b].Socket);
                if (x.Inode != 0 && x.Inode == y.Inode && x.Kind == y.Kind)
                    edges.Add((a, b, "same"));
                else if (Connected(x, y))
                    edges.Add((a, b, x.Kind == SocketKind.Unix ? "unix" : "inet"));
            }
        }
        return edges;
    }

    private static bool Connected(SocketInfo x, SocketInfo y) => x.Kind switch
    {
        SocketKind.Unix => y.Kind == SocketKind.Unix && x.Peer != 0 && x.Peer == y.Inode && y.Peer == x.Inode,
        SocketKind.Inet => y.Kind == SocketKind.Inet && x.Protocol == y.Protocol && x.SourcePort != 0 && x.DestinationPort != 0
                           && x.Source == y.Destination && x.SourcePort == y.DestinationPort && x.Destination == y.Source && x.DestinationPort == y.SourcePort,
        _ => false,
    };

    private static double Y(int row) => 4 + row * RowHeight + RowHeight / 2;

    private static void Arc(Html html, double axis, int a, int b, string kind)
    {
        var bend = axis - Math.Min(b - a, 12) * ArcStep;
        var path = $"M{Html.Num(axis)} {Html.Num(Y(a))} C{Html.Num(bend)} {Html.Num(Y(a))} {Html.Num(bend)} {Html.Num(Y(b))} {Html.Num(axis)} {Html.Num(Y(b))}";
        html.Open("path", ("class", kind == "unix" ? "edge unix" : "edge"), ("d", path), ("stroke-dasharray", kind == "same" ? "4 3" : null))
            .Open("title").Text(kind == "same" ? "the same socket, held by both processes" : "the two ends of one connection").Close("title").Close("path");
    }

    private static void Node(Html html, double axis, int row, (uint Pid, SocketInfo Socket) e, IReadOnlyDictionary<uint, string> commands)
    {
        var s = e.Socket;
        var y = Y(row);
        var remote = SocketsSection.Remote(s);
        var text = $"{e.Pid} {commands.GetValueOrDefault(e.Pid, "")} · fd {s.Fd} · {s.Protocol} {SocketsSection.Local(s)}{(remote.Length > 0 ? " → " + remote : "")} {s.State}";
        html.Open("g", ("class", "sock"), ("data-socket", $"{e.Pid}:{s.Fd}"))
            .Open("circle", ("cx", Html.Num(axis)), ("cy", Html.Num(y)), ("r", "5"), ("fill", "#2f5d9f")).Close("circle")
            .Open("text", ("x", Html.Num(axis + 10)), ("y", Html.Num(y + 4))).Text(text).Close("text")
            .Close("g");
    }
}
