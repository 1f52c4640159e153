namespace Fastsocket.Stack;

/// <summary>
/// The stacks that are started and not yet disposed. Observers in the layers above the stack (the
/// <c>Fastsocket</c> meter in <c>Fastsocket.Diagnostics</c>) subscribe here, so the stack announces itself without
/// referring to any of them: dependencies keep pointing down. Changes happen at start and dispose only, never per
/// packet, so a lock is fine.
/// </summary>
public static class LiveStacks
{
    private static readonly Lock s_lock = new();
    private static readonly List<FastsocketStack> s_stacks = [];
    private static Action<FastsocketStack>? s_started;
    private static Action<FastsocketStack>? s_stopped;

    /// <summary>
    /// Subscribes to stacks starting and stopping. <paramref name="started"/> is first called, under the registry's
    /// lock, for every stack already live, so a late observer misses none; then for each stack that starts, and
    /// <paramref name="stopped"/> for each that is disposed. Callbacks run on the starting or disposing thread and must
    /// not start or dispose a stack themselves.
    /// </summary>
    public static void Observe(Action<FastsocketStack> started, Action<FastsocketStack> stopped)
    {
        ArgumentNullException.ThrowIfNull(started);
        ArgumentNullException.ThrowIfNull(stopped);
        lock (s_lock)
        {
            foreach (FastsocketStack stack in s_stacks)
            {
                started(stack);
            }
            s_started += started;
            s_stopped += stopped;
        }
    }

    /// <summary>The live stacks now, in the order they started.</summary>
    public static FastsocketStack[] Snapshot()
    {
        lock (s_lock)
        {
            return [.. s_stacks];
        }
    }

    internal static void Add(FastsocketStack stack)
    {
        lock (s_lock)
        {
            s_stacks.Add(stack);
            s_started?.Invoke(stack);
        }
    }

    internal static void Remove(FastsocketStack stack)
    {
        lock (s_lock)
        {
            if (s_stacks.Remove(stack))
            {
                s_stopped?.Invoke(stack);
            }
        }
    }
}
