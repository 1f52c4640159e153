namespace Fastsocket.Stack;

/// <summary>Told, on the engine thread, that a listener has a connection ready to accept.</summary>
public interface IListenerHandler
{
    void OnAcceptable(Listener listener);
}
