namespace Fastsocket.Stack;

/// <summary>
/// The synchronization context of an engine thread: an <c>await</c> that started on core k resumes on core k,
/// after the current batch, as in Seastar's run-to-completion model. Other threads may post to it too.
/// </summary>
public sealed class CoreSynchronizationContext : SynchronizationContext
{
    private readonly EngineCore _core;

    internal CoreSynchronizationContext(EngineCore core)
    {
        _core = core;
    }

    /// <summary>The core whose work queue this context posts to.</summary>
    public int CoreId => _core.CoreId;

    /// <inheritdoc/>
    public override void Post(SendOrPostCallback d, object? state) => _core.Post(d, state);

    /// <inheritdoc/>
    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (_core.IsCurrentThread)
        {
            d(state);
            return;
        }
        using var done = new ManualResetEventSlim();
        Exception? error = null;
        _core.Post(_ =>
        {
            try
            {
                d(state);
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                done.Set();
            }
        }, null);
        done.Wait();
        if (error is not null)
        {
            throw new AggregateException(error);
        }
    }

    /// <inheritdoc/>
    public override SynchronizationContext CreateCopy() => this;
}
