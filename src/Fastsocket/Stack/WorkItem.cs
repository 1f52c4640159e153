namespace Fastsocket.Stack;

/// <summary>A callback and its state, queued to run on an engine core (a struct, so posting allocates nothing by itself).</summary>
internal readonly record struct WorkItem(SendOrPostCallback Callback, object? State);
