using System.IO.Pipelines;
using Fastsocket.Stack;

namespace Fastsocket.AspNetCore;

/// <summary>
/// Runs pipe continuations on one engine core, so the transport's loops for a connection resume on the core that
/// owns it whichever thread released their pipe (no locks in the stack, as with every other socket call there).
/// </summary>
internal sealed class EngineCoreScheduler : PipeScheduler
{
    private readonly EngineCore _core;

    public EngineCoreScheduler(EngineCore core)
    {
        _core = core;
    }

    public override void Schedule(Action<object?> action, object? state)
    {
        ArgumentNullException.ThrowIfNull(action);
        _core.Post(static s =>
        {
            var (callback, callbackState) = ((Action<object?>, object?))s!;
            callback(callbackState);
        }, (action, state));
    }
}
