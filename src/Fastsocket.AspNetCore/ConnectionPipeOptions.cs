using System.Buffers;
using System.IO.Pipelines;
using Fastsocket.Stack;

namespace Fastsocket.AspNetCore;

/// <summary>
/// The settings of the two pipes of every connection a core owns: the app's ends run on the thread pool, the
/// transport's ends on the core (its <see cref="EngineCoreScheduler"/>). One instance per core and endpoint, shared by
/// that core's connections, since nothing in it depends on the connection.
/// </summary>
internal sealed class ConnectionPipeOptions
{
    public ConnectionPipeOptions(EngineCore core, MemoryPool<byte> memoryPool, FastsocketTransportOptions options)
    {
        Core = core;
        MemoryPool = memoryPool;
        var transportScheduler = new EngineCoreScheduler(core);
        Input = new PipeOptions(memoryPool, readerScheduler: PipeScheduler.ThreadPool, writerScheduler: transportScheduler,
            pauseWriterThreshold: options.MaxReadBufferSize, resumeWriterThreshold: options.MaxReadBufferSize / 2, useSynchronizationContext: false);
        Output = new PipeOptions(memoryPool, readerScheduler: transportScheduler, writerScheduler: PipeScheduler.ThreadPool,
            pauseWriterThreshold: options.MaxWriteBufferSize, resumeWriterThreshold: options.MaxWriteBufferSize / 2, useSynchronizationContext: false);
    }

    /// <summary>The core whose connections these are.</summary>
    public EngineCore Core { get; }

    /// <summary>The endpoint's pool both pipes rent their segments from.</summary>
    public MemoryPool<byte> MemoryPool { get; }

    /// <summary>Socket to app: the receive loop writes on the core, the app reads on the thread pool.</summary>
    public PipeOptions Input { get; }

    /// <summary>App to socket: the app writes on the thread pool, the send loop reads on the core.</summary>
    public PipeOptions Output { get; }
}
