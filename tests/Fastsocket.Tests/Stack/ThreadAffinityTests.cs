using Fastsocket.Devices;
using Fastsocket.Interop;
using Fastsocket.Stack;
using Fastsocket.Tests.Support;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Stack;

/// <summary>
/// Engine threads go on the CPUs the process was given (taskset, a cpuset), never on CPUs outside them: under taskset
/// sched_setaffinity accepts any online CPU, so numbering from CPU 0 moved a server started with <c>taskset -c 2,3</c>
/// onto CPUs 0 and 1.
/// </summary>
public sealed class ThreadAffinityTests
{
    [Fact]
    public void TheMaskIsReadAsCpuSetWords()
    {
        // glibc's cpu_set_t is an array of unsigned long: CPU k is bit k % 64 of word k / 64, whatever the byte order.
        ulong[] mask = new ulong[ThreadAffinity.DefaultMaskWords * 2];
        mask[0] = 0b1100; // CPUs 2 and 3
        mask[1] = 1; // CPU 64
        mask[15] = 1UL << 63; // CPU 1023
        mask[16] = 1UL << 2; // CPU 1026, beyond a cpu_set_t: hosts with more CPUs need a longer mask

        Assert.Equal([2, 3, 64, 1023, 1026], ThreadAffinity.CpusIn(mask));
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

    [Fact]
    public void ANegativeFirstCpuIsRefusedWhenTheStackIsMadeNotOnItsEngineThread()
    {
        var wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = 1, QueuesB = 1 });

        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => new FastsocketStack(new StackOptions
        {
            Cores = 1,
            LocalAddress = IpAddress.FromIPv4(198, 18, 0, 2),
            Device = wire.B,
            FirstCpu = -1,
        }));

        Assert.Equal(nameof(StackOptions.FirstCpu), e.ParamName);
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
