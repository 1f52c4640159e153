using Fastsocket.Devices;
using Fastsocket.Interop;
using Fastsocket.Tests.Support;

namespace Fastsocket.Tests.Devices;

/// <summary>
/// A doorbell that watches device descriptors sleeps in poll(2) on them and on its own eventfd: a readable descriptor
/// or a ring wakes it, neither lost between the sleeper's last check and its poll (both are level-triggered).
/// </summary>
public sealed class DoorbellDescriptorTests
{
    [Fact]
    public void A_plain_doorbell_refuses_descriptors_so_the_device_keeps_its_waiter()
    {
        using var doorbell = new Doorbell();
        Assert.False(doorbell.TryWatchDescriptor(0));
        Assert.False(doorbell.WatchesDescriptors);
    }

    [LinuxFact]
    public void A_readable_watched_descriptor_wakes_the_sleeper()
    {
        using var watched = new WatchedDoorbell();
        EventFdDescriptor device = watched.Device;
        Doorbell doorbell = watched.Doorbell;
        Assert.True(doorbell.WatchesDescriptors);

        device.Raise();

        // Generous timeout: the descriptor is readable before the call, so poll(2) returns at once.
        Assert.True(doorbell.Sleep(60_000, static () => false));
    }

    [LinuxFact]
    public void A_ring_after_the_sleeper_checked_for_work_is_not_lost()
    {
        using var watched = new WatchedDoorbell();
        Doorbell doorbell = watched.Doorbell;

        // The ring lands after the sleeper announced itself and found no work, just before it polls: the worst moment.
        bool woken = doorbell.Sleep(60_000, () =>
        {
            doorbell.Ring();
            return false;
        });

        Assert.True(woken);
        // The ring was consumed: with nothing new the next sleep times out instead of returning at once.
        Assert.False(doorbell.Sleep(1, static () => false));
    }

    [LinuxFact]
    public void A_ring_while_awake_costs_nothing_and_leaves_no_wake_up_behind()
    {
        using var watched = new WatchedDoorbell();
        Doorbell doorbell = watched.Doorbell;

        doorbell.Ring();

        Assert.False(doorbell.Sleep(1, static () => false));
    }

    [LinuxFact]
    public void Work_found_after_the_announcement_skips_the_sleep()
    {
        using var watched = new WatchedDoorbell();
        Doorbell doorbell = watched.Doorbell;

        Assert.True(doorbell.Sleep(60_000, static () => true));
    }

    /// <summary>A doorbell that watches one <see cref="EventFdDescriptor"/>.</summary>
    private sealed class WatchedDoorbell : IDisposable
    {
        public WatchedDoorbell()
        {
            Device = new EventFdDescriptor();
            Doorbell = new Doorbell(watchesDescriptors: true);
            Assert.True(Doorbell.TryWatchDescriptor(Device.Fd));
        }

        public EventFdDescriptor Device { get; }

        public Doorbell Doorbell { get; }

        public void Dispose()
        {
            Doorbell.Dispose();
            Device.Dispose();
        }
    }

    /// <summary>An eventfd standing in for a device queue's descriptor: readable once raised, until read.</summary>
    private sealed unsafe class EventFdDescriptor : IDisposable
    {
        public EventFdDescriptor()
        {
            Fd = Libc.EventFd(0, Libc.EventFdNonBlockingCloseOnExec);
            Assert.True(Fd >= 0);
        }

        public int Fd { get; }

        public void Raise()
        {
            ulong one = 1;
            Assert.Equal(sizeof(ulong), (int)Libc.Write(Fd, (byte*)&one, sizeof(ulong)));
        }

        public void Dispose() => Libc.Close(Fd);
    }
}
