namespace Fastsocket.Bench;

/// <summary>
/// What a <see cref="BenchRunner"/> tells its caller while it runs, so any front end (a live terminal display, a
/// log, a test) can show progress without the runner knowing how. Calls come from the runner's thread, one run at
/// a time, in the order <see cref="RunStarted"/>, any number of <see cref="RunProgressed"/>, then
/// <see cref="RunFinished"/> or <see cref="RunFailed"/>.
/// </summary>
public interface IBenchObserver
{
    /// <summary>The runner created the target for <paramref name="plan"/> and started it.</summary>
    void RunStarted(BenchPlan plan);

    /// <summary>A periodic sample of the running <paramref name="plan"/> (about four a second).</summary>
    void RunProgressed(BenchPlan plan, BenchTick tick);

    /// <summary><paramref name="plan"/> ended (early, if cancelled) with <paramref name="result"/>.</summary>
    void RunFinished(BenchPlan plan, BenchResult result);

    /// <summary>
    /// <paramref name="plan"/> hung; <paramref name="reason"/> says where. The runner starts nothing after it, since the
    /// hung run's threads still hold their cores.
    /// </summary>
    void RunFailed(BenchPlan plan, string reason);
}
