namespace Fastsocket.Stack;

/// <summary>Told, on the engine thread, that a listener has a connection ready to accept.</summary>
public interface IListenerHandler
{
    /// <summary>A connection is waiting in <paramref name="listener"/>'s accept queue.</summary>
    void OnAcceptable(Listener listener);
}
