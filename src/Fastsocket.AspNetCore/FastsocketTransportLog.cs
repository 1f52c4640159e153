using System.Net;
using Microsoft.Extensions.Logging;

namespace Fastsocket.AspNetCore;

/// <summary>
/// What the Fastsocket.NET transport logs, under one category (<see cref="CategoryName"/>) as Kestrel's socket
/// transport logs under <c>Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets</c>. Per-connection events keep
/// the ids, names and levels Kestrel's socket transport gives them (ConnectionPause 4, ConnectionResume 5,
/// ConnectionReadFin 6, ConnectionWriteFin 7, ConnectionError 14, ConnectionReset 19), so filters written for
/// Kestrel work here too; the transport's own events are numbered from 1000. Per-connection events are Debug and
/// check the level before they touch the connection id, which is made on first use: disabled, they allocate nothing.
/// </summary>
internal static partial class FastsocketTransportLog
{
    /// <summary>The logger category of the transport (factory, listeners and connections).</summary>
    public const string CategoryName = "Fastsocket.AspNetCore.Transport";

    [LoggerMessage(1000, LogLevel.Information,
        "Fastsocket.NET transport: stack \"{Stack}\" ({Design} design, {Cores} engine cores) at {Address} on {Network}",
        EventName = "TransportStarted")]
    public static partial void TransportStarted(ILogger logger, string stack, string design, int cores, IPAddress address, string network);

    [LoggerMessage(1001, LogLevel.Information,
        "Listening on the Fastsocket.NET stack \"{Stack}\" at {EndPoint} (requested {RequestedEndPoint}), one accept loop on each of its {Cores} cores",
        EventName = "ListenerBound")]
    public static partial void ListenerBound(ILogger logger, string stack, EndPoint endPoint, EndPoint requestedEndPoint, int cores);

    [LoggerMessage(1002, LogLevel.Information,
        "{EndPoint} is on Fastsocket.NET's in-memory network: only clients in this process reach it (HttpClients from IHttpClientFactory, " +
        "FastsocketNetwork.CreateHttpHandler, where localhost and {ServerAddress} mean this app); nothing listens on the kernel's " +
        "{RequestedEndPoint}. For clients outside the process, use a TUN device (FASTSOCKET_DEVICE=tun:NAME)",
        EventName = "ListenerInMemory")]
    public static partial void ListenerInMemory(ILogger logger, EndPoint endPoint, IPAddress serverAddress, EndPoint requestedEndPoint);

    [LoggerMessage(1003, LogLevel.Debug, "Stopped listening on the Fastsocket.NET stack at {EndPoint}", EventName = "ListenerUnbound")]
    public static partial void ListenerUnbound(ILogger logger, EndPoint endPoint);

    [LoggerMessage(1004, LogLevel.Error,
        "The accept loop of core {Core} on {EndPoint} stopped: that core accepts no more connections (the others and the global queue still do)",
        EventName = "AcceptLoopFailed")]
    public static partial void AcceptLoopFailed(ILogger logger, int core, EndPoint endPoint, Exception exception);

    [LoggerMessage(1006, LogLevel.Warning, "Fastsocket.NET transport: {Advice}", EventName = "SingleCpuJitDelay")]
    public static partial void SingleCpuJitDelay(ILogger logger, string advice);

    [LoggerMessage(1005, LogLevel.Debug, @"Connection id ""{ConnectionId}"" accepted on core {Core} from {RemoteEndPoint}",
        EventName = "ConnectionAccepted", SkipEnabledCheck = true)]
    private static partial void ConnectionAcceptedCore(ILogger logger, string connectionId, int core, EndPoint? remoteEndPoint);

    [LoggerMessage(4, LogLevel.Debug, @"Connection id ""{ConnectionId}"" paused.", EventName = "ConnectionPause", SkipEnabledCheck = true)]
    private static partial void ConnectionPauseCore(ILogger logger, string connectionId);

    [LoggerMessage(5, LogLevel.Debug, @"Connection id ""{ConnectionId}"" resumed.", EventName = "ConnectionResume", SkipEnabledCheck = true)]
    private static partial void ConnectionResumeCore(ILogger logger, string connectionId);

    [LoggerMessage(6, LogLevel.Debug, @"Connection id ""{ConnectionId}"" received FIN.", EventName = "ConnectionReadFin", SkipEnabledCheck = true)]
    private static partial void ConnectionReadFinCore(ILogger logger, string connectionId);

    [LoggerMessage(7, LogLevel.Debug, @"Connection id ""{ConnectionId}"" sending FIN because: ""{Reason}""", EventName = "ConnectionWriteFin", SkipEnabledCheck = true)]
    private static partial void ConnectionWriteFinCore(ILogger logger, string connectionId, string reason);

    [LoggerMessage(14, LogLevel.Debug, @"Connection id ""{ConnectionId}"" communication error.", EventName = "ConnectionError", SkipEnabledCheck = true)]
    private static partial void ConnectionErrorCore(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(19, LogLevel.Debug, @"Connection id ""{ConnectionId}"" reset.", EventName = "ConnectionReset", SkipEnabledCheck = true)]
    private static partial void ConnectionResetCore(ILogger logger, string connectionId);

    public static void ConnectionAccepted(ILogger logger, FastsocketConnectionContext connection)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ConnectionAcceptedCore(logger, connection.ConnectionId, connection.Socket.CoreId, connection.RemoteEndPoint);
        }
    }

    public static void ConnectionPause(ILogger logger, FastsocketConnectionContext connection)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ConnectionPauseCore(logger, connection.ConnectionId);
        }
    }

    public static void ConnectionResume(ILogger logger, FastsocketConnectionContext connection)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ConnectionResumeCore(logger, connection.ConnectionId);
        }
    }

    public static void ConnectionReadFin(ILogger logger, FastsocketConnectionContext connection)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ConnectionReadFinCore(logger, connection.ConnectionId);
        }
    }

    public static void ConnectionWriteFin(ILogger logger, FastsocketConnectionContext connection, string reason)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ConnectionWriteFinCore(logger, connection.ConnectionId, reason);
        }
    }

    public static void ConnectionError(ILogger logger, FastsocketConnectionContext connection, Exception exception)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ConnectionErrorCore(logger, connection.ConnectionId, exception);
        }
    }

    public static void ConnectionReset(ILogger logger, FastsocketConnectionContext connection)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ConnectionResetCore(logger, connection.ConnectionId);
        }
    }
}
