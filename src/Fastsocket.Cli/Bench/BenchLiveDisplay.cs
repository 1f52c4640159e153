using System.Globalization;
using Fastsocket.Bench;
using Spectre.Console;

namespace Fastsocket.Cli.Bench;

/// <summary>
/// The bench's progress on a terminal: a Spectre.Console progress display with one line per run, showing its phase,
/// current rate and errors while it runs and its connections per second when it ends.
/// </summary>
internal static class BenchLiveDisplay
{
    /// <summary>Runs <paramref name="plans"/> with <paramref name="runner"/> while showing them live on <paramref name="console"/>.</summary>
    public static IReadOnlyList<BenchResult> Run(BenchRunner runner, IReadOnlyList<BenchPlan> plans, IAnsiConsole console,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(console);
        IReadOnlyList<BenchResult> results = [];
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .Start(context => results = runner.Run(plans, new Observer(context), cancellationToken));
        return results;
    }

    private sealed class Observer(ProgressContext context) : IBenchObserver
    {
        private ProgressTask? _task;

        public void RunStarted(BenchPlan plan) =>
            _task = context.AddTask(Markup.Escape(plan.Label), maxValue: Total(plan));

        public void RunProgressed(BenchPlan plan, BenchTick tick)
        {
            if (_task is null)
            {
                return;
            }

            _task.Value = Math.Min(tick.Elapsed.TotalSeconds, Total(plan));
            var phase = tick.IsWarmup ? "warmup" : "measure";
            _task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{plan.Label}  {phase} {tick.Rate,9:N0} conn/s  {tick.Errors} errors"));
        }

        public void RunFinished(BenchPlan plan, BenchResult result)
        {
            if (_task is null)
            {
                return;
            }

            _task.Value = Total(plan);
            _task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{plan.Label}  {result.Cps,9:N0} conn/s  {result.Errors} errors"));
            _task.StopTask();
        }

        public void RunFailed(BenchPlan plan, string reason)
        {
            if (_task is null)
            {
                return;
            }

            _task.Description = Markup.Escape($"{plan.Label}  did not finish");
            _task.StopTask();
        }

        private static double Total(BenchPlan plan) => (plan.Spec.Warmup + plan.Spec.Duration).TotalSeconds;
    }
}
