using Fastsocket.Devices;
using Fastsocket.Interop;
using Fastsocket.Stack;
using Fastsocket.Tests.Support;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Stack;

/// <summary>
/// Engine threads go on the CPUs the process was given (taskset, a cpuset), never on CPUs outside them:
/// sched_setaffinity accepts any online CPU, so numbering from CPU 0 moved a server started with <c>taskset -c 2,3</c>
/// onto CPUs 0 and 1.
/// </summary>
public sealed class ThreadAffinityTests
{
    [Fact]
    public void TheMaskIsReadBitByBit()
    {
        byte[] mask = new byte[ThreadAffinity.MaxCpus / 8];
        mask[0] = 0b0000_1100; // CPUs 2 and 3
        mask[8] = 0b0000_0001; // CPU 64
        mask[127] = 0b1000_0000; // CPU 1023

        Assert.Equal([2, 3, 64, 1023], ThreadAffinity.CpusIn(mask));
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 3)]
    [InlineData(2, 2)]
    [InlineData(5, 3)]
    public void SlotsWalkTheAllowedCpusAndWrap(int slot, int cpu)
    {
        Assert.Equal(cpu, ThreadAffinity.CpuForSlot([2, 3], slot));
    }

    [LinuxFact]
    public void EngineThreadsArePinnedInsideTheCpusTheirCreatorWasGiven()
    {
        int last = ThreadAffinity.AllowedCpus()[^1];
        int[] engineCpus = [];
        bool narrowed = false, posted = false, pinned = false;
        Exception? failure = null;
        // The stack is made and started on a thread narrowed to the last CPU, as taskset -c LAST leaves a process; its
        // engine (slot 0) must land there, not on CPU 0.
        var creator = new Thread(() =>
        {
            try
            {
                narrowed = ThreadAffinity.TryPinCurrentThread(last);
                (posted, pinned) = StartOneEngineAndReadItsCpus(out engineCpus);
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        creator.Start();
        creator.Join();

        Assert.Null(failure);
        Assert.True(narrowed);
        Assert.True(posted);
        Assert.True(pinned);
        Assert.Equal([last], engineCpus);
    }

    private static (bool Posted, bool Pinned) StartOneEngineAndReadItsCpus(out int[] engineCpus)
    {
        int[] seen = [];
        var wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = 1, QueuesB = 1 });
        using var stack = new FastsocketStack(new StackOptions
        {
            Cores = 1,
            LocalAddress = IpAddress.FromIPv4(198, 18, 0, 2),
            Device = wire.B,
            PinThreads = true,
            Name = "affinity",
        });
        stack.Start();
        using var done = new ManualResetEventSlim();
        stack.Cores[0].Post(_ =>
        {
            seen = ThreadAffinity.AllowedCpus();
            done.Set();
        }, null);
        bool posted = done.Wait(TimeSpan.FromSeconds(30));
        engineCpus = seen;
        return (posted, stack.Cores[0].Pinned);
    }
}
