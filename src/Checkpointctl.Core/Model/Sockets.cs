using System.Net;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>An open socket of a process, decoded from its <c>files.img</c> entry (reference §6.6, corrected).</summary>
/// <param name="Protocol">Upstream's protocol label: <c>TCP</c>, <c>UDP</c>, <c>UNIX</c>, <c>NETLINK_ROUTE</c>, <c>ETH_P_ALL</c>…</param>
/// <param name="Type">For INET the protocol name (upstream); for UNIX the socket type (<c>STREAM</c>…).</param>
/// <param name="Address">UNIX socket name (abstract as <c>@name</c>, no NUL bytes).</param>
/// <param name="SendQueue">Bytes queued for sending (TCP outq), 0 when none or unknown.</param>
/// <param name="RecvQueue">Bytes queued for reading (TCP inq, UNIX receive queue).</param>
/// <param name="Fd">The fd number.</param>
/// <param name="Kind">The socket family.</param>
/// <param name="State">The state (<c>ESTABLISHED</c>, <c>LISTEN</c> …).</param>
/// <param name="Source">The local address.</param>
/// <param name="SourcePort">The local port.</param>
/// <param name="Destination">The peer's address.</param>
/// <param name="DestinationPort">The peer's port.</param>
/// <param name="IsIPv6">An IPv6 socket.</param>
/// <param name="SendBuffer">The send buffer size.</param>
/// <param name="RecvBuffer">The receive buffer size.</param>
public sealed record SocketInfo(
    int Fd,
    SocketKind Kind,
    string Protocol,
    string Type,
    string State,
    string Address,
    string Source,
    uint SourcePort,
    string Destination,
    uint DestinationPort,
    bool IsIPv6,
    ulong SendBuffer,
    ulong RecvBuffer,
    ulong SendQueue,
    ulong RecvQueue)
{
    /// <summary>The socket's inode (INET and UNIX sockets), 0 when not recorded.</summary>
    public uint Inode { get; init; }

    /// <summary>A UNIX socket's peer inode (0 when unconnected): two sockets of the checkpoint that name each other are a pair.</summary>
    public uint Peer { get; init; }
}

/// <summary>A socket family.</summary>
public enum SocketKind
{
    /// <summary>IPv4 or IPv6.</summary>
    Inet,
    /// <summary>UNIX.</summary>
    Unix,
    /// <summary>Packet.</summary>
    Packet,
    /// <summary>Netlink.</summary>
    Netlink,
}

/// <summary>Decodes the sockets of a process.</summary>
public static class Sockets
{
    /// <summary>The process's sockets in fd order; other fd types are skipped.</summary>
    public static IReadOnlyList<SocketInfo> Of(CriuImages images, uint pid)
    {
        var files = images.Files();
        var result = new List<SocketInfo>();
        foreach (var fd in images.Fdinfo(images.Ids(pid).FilesId).OrderBy(f => f.Fd))
        {
            if (!files.TryGetValue(fd.Id, out var file))
                continue;
            var socket = fd.Type switch
            {
                FdTypes.Inetsk when file.Isk != null => Inet((int)fd.Fd, file.Isk, images),
                FdTypes.Unixsk when file.Usk != null => Unix((int)fd.Fd, file.Usk, images),
                FdTypes.Packetsk when file.Psk != null => Packet((int)fd.Fd, file.Psk),
                FdTypes.Netlinksk when file.Nlsk != null => Netlink((int)fd.Fd, file.Nlsk),
                _ => null,
            };
            if (socket != null)
                result.Add(socket);
        }
        return result;
    }

    private static SocketInfo Inet(int fd, InetSkEntry sk, CriuImages images)
    {
        var v6 = sk.Family == AfInet6;
        var protocol = IpProtocolName(sk.Proto);
        ulong inq = 0, outq = 0;
        var streamImage = $"tcp-stream-{sk.Ino:x}.img";
        if (sk.Proto == IpProtoTcp && images.Has(streamImage))
        {
            var (entry, _, _) = images.TcpStream(sk.Ino);
            inq = entry.InqLen;
            outq = entry.OutqLen;
        }
        return new SocketInfo(fd, SocketKind.Inet, protocol, protocol, TcpStateName(sk.State), "",
            Address(sk.SrcAddr, v6), sk.SrcPort, Address(sk.DstAddr, v6), sk.DstPort, v6,
            sk.Opts?.SoSndbuf ?? 0, sk.Opts?.SoRcvbuf ?? 0, outq, inq) { Inode = sk.Ino };
    }

    private static SocketInfo Unix(int fd, UnixSkEntry sk, CriuImages images)
    {
        ulong queued = 0;
        if (images.Has("sk-queues.img"))
        {
            foreach (var (packet, _) in images.SocketQueues())
            {
                if (packet.IdFor == sk.Id)
                    queued += packet.Length;
            }
        }
        return new SocketInfo(fd, SocketKind.Unix, "UNIX", SocketTypeName(sk.Type), TcpStateName(sk.State),
            OpenFiles.UnixName(sk.Name.Span), "", 0, "", 0, false, sk.Opts?.SoSndbuf ?? 0, sk.Opts?.SoRcvbuf ?? 0, 0, queued)
        {
            Inode = sk.Ino, Peer = sk.Peer,
        };
    }

    private static SocketInfo Packet(int fd, PacketSockEntry sk)
    {
        var name = EthernetProtocolName(sk.Protocol);
        return new SocketInfo(fd, SocketKind.Packet, name, SocketTypeName(sk.Type), "", "", "", 0, "", 0, false,
            sk.Opts?.SoSndbuf ?? 0, sk.Opts?.SoRcvbuf ?? 0, 0, 0);
    }

    private static SocketInfo Netlink(int fd, NetlinkSkEntry sk)
    {
        var name = NetlinkProtocolName(sk.Protocol);
        return new SocketInfo(fd, SocketKind.Netlink, name, "", TcpStateName(sk.State), "", "", 0, "", 0, false,
            sk.Opts?.SoSndbuf ?? 0, sk.Opts?.SoRcvbuf ?? 0, 0, 0);
    }

    private const uint AfInet6 = 10;
    private const uint IpProtoTcp = 6;

    /// <summary>An address from CRIU's u32 words (network byte order in memory): 1 word IPv4, 4 words IPv6.</summary>
    public static string Address(IReadOnlyList<uint> words, bool v6)
    {
        var bytes = new byte[v6 ? 16 : 4];
        for (var i = 0; i < bytes.Length / 4 && i < words.Count; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), words[i]);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("big-endian hosts");
        return new IPAddress(bytes).ToString();
    }

    /// <summary>The IP protocol's name.</summary>
    public static string IpProtocolName(uint proto) => proto switch
    {
        0 => "IP",
        1 => "ICMP",
        2 => "IGMP",
        6 => "TCP",
        17 => "UDP",
        58 => "ICMPV6",
        136 => "UDPLITE",
        255 => "RAW",
        _ => $"IPPROTO({proto})",
    };

    /// <summary>The TCP state's name.</summary>
    public static string TcpStateName(uint state) => state switch
    {
        1 => "ESTABLISHED",
        2 => "SYN_SENT",
        3 => "SYN_RECV",
        4 => "FIN_WAIT1",
        5 => "FIN_WAIT2",
        6 => "TIME_WAIT",
        7 => "CLOSE",
        8 => "CLOSE_WAIT",
        9 => "LAST_ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        12 => "NEW_SYN_RECV",
        _ => $"UNKNOWN({state})",
    };

    /// <summary>The socket type's name.</summary>
    public static string SocketTypeName(uint type) => type switch
    {
        1 => "STREAM",
        2 => "DGRAM",
        3 => "RAW",
        4 => "RDM",
        5 => "SEQPACKET",
        6 => "DCCP",
        10 => "PACKET",
        _ => $"TYPE({type})",
    };

    /// <summary>The netlink protocol's name.</summary>
    public static string NetlinkProtocolName(uint protocol) => protocol switch
    {
        0 => "NETLINK_ROUTE",
        1 => "NETLINK_UNUSED",
        2 => "NETLINK_USERSOCK",
        3 => "NETLINK_FIREWALL",
        4 => "NETLINK_SOCK_DIAG",
        5 => "NETLINK_NFLOG",
        6 => "NETLINK_XFRM",
        7 => "NETLINK_SELINUX",
        8 => "NETLINK_ISCSI",
        9 => "NETLINK_AUDIT",
        10 => "NETLINK_FIB_LOOKUP",
        11 => "NETLINK_CONNECTOR",
        12 => "NETLINK_NETFILTER",
        13 => "NETLINK_IP6_FW",
        14 => "NETLINK_DNRTMSG",
        15 => "NETLINK_KOBJECT_UEVENT",
        16 => "NETLINK_GENERIC",
        18 => "NETLINK_SCSITRANSPORT",
        19 => "NETLINK_ECRYPTFS",
        20 => "NETLINK_RDMA",
        21 => "NETLINK_CRYPTO",
        22 => "NETLINK_SMC",
        _ => $"NETLINK({protocol})",
    };

    /// <summary>Ethernet protocol of a packet socket (CRIU stores it in host order).</summary>
    public static string EthernetProtocolName(uint protocol) => protocol switch
    {
        0x0000 => "ETH_P_NONE",
        0x0003 => "ETH_P_ALL",
        0x0800 => "ETH_P_IP",
        0x0806 => "ETH_P_ARP",
        0x8035 => "ETH_P_RARP",
        0x8100 => "ETH_P_8021Q",
        0x86DD => "ETH_P_IPV6",
        0x888E => "ETH_P_PAE",
        0x88CC => "ETH_P_LLDP",
        _ => $"ETH_P(0x{protocol:x4})",
    };
}
