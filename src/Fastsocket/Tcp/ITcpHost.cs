using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>What a connection needs from the engine that owns it. All calls happen on that engine's thread.</summary>
internal interface ITcpHost
{
    long NowMicroseconds { get; }

    /// <summary>The core whose engine owns the connection.</summary>
    int CoreId { get; }

    TcpConfig Config { get; }

    /// <summary>The name of the stack the engine belongs to, for diagnostics (events and metrics tags).</summary>
    string StackName { get; }

    TcpStatistics Statistics { get; }

    /// <summary>The engine's receive memory budget, charged by every connection's receive buffer.</summary>
    ReceiveMemoryBudget ReceiveMemory { get; }

    /// <summary>The engine's own pool for connection buffers (engine thread only).</summary>
    System.Buffers.ArrayPool<byte> BufferPool { get; }

    /// <summary>Largest TCP segment (header included) the device carries for this address family.</summary>
    int MaxTcpSegmentLength(IpAddress local);

    /// <summary>Scratch buffer for one outgoing IP packet, MTU-sized; valid until <see cref="TransmitPacket"/>.</summary>
    Span<byte> TransmitBuffer { get; }

    void TransmitPacket(int length);

    /// <summary>Offset of the timestamp clock towards a peer (constant per address pair).</summary>
    uint TimestampOffset(in FlowKey key);

    void ScheduleTimer(TimerEntry entry, long deadlineMicroseconds);

    void CancelTimer(TimerEntry entry);

    /// <summary>Asks for <see cref="TcpConnection.FlushOutput"/> at the end of the current batch (coalesces ACKs and data).</summary>
    void RequestFlush(TcpConnection connection);

    /// <summary>
    /// Asks for <see cref="TcpConnection.SendAckAwaitingReply"/> at the end of the engine's turn, after the
    /// application's work of the turn (whose reply may carry the ACK instead).
    /// </summary>
    void SendAckAtEndOfTurn(TcpConnection connection);

    /// <summary>A passive connection completed its handshake and can be accepted.</summary>
    void OnPassiveEstablished(TcpConnection connection);

    /// <summary>The connection left the connection table: closed, reset, timed out, or moved into TIME-WAIT.</summary>
    void OnConnectionFinished(TcpConnection connection, bool enterTimeWait);

    /// <summary>The application closed the connection (close(2)): the engine frees what the socket layer held for it.</summary>
    void OnApplicationClosed(TcpConnection connection);

    /// <summary>The application released a connection the protocol had already finished with: back to the pool.</summary>
    void Recycle(TcpConnection connection);
}
