using System.Runtime.InteropServices;
using CsCheck;
using Fastsocket.Tcp;

namespace Fastsocket.Tests.Tcp;

public class SendBufferTests
{
    [Fact]
    public void HoldsMemoryOnlyWhileQueued()
    {
        var buffer = new SendBuffer(100);
        Assert.False(buffer.HoldsMemory);
        Assert.Equal(10, buffer.Append(new byte[10]));
        Assert.True(buffer.HoldsMemory);
        buffer.Release(4);
        Assert.True(buffer.HoldsMemory);
        buffer.Release(6);
        Assert.False(buffer.HoldsMemory);
        Assert.Equal(0, buffer.Count);
        Assert.Equal(100, buffer.Free);
    }

    [Fact]
    public void Append_AcceptsOnlyFreeSpace()
    {
        var buffer = new SendBuffer(8);
        Assert.Equal(5, buffer.Append([1, 2, 3, 4, 5]));
        Assert.Equal(3, buffer.Append([6, 7, 8, 9, 10]));
        Assert.Equal(0, buffer.Append([11]));
        Assert.Equal(0, buffer.Free);
        var out8 = new byte[8];
        buffer.CopyTo(0, out8);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, out8);
    }

    [Fact]
    public void CopyTo_HandlesWrap()
    {
        var buffer = new SendBuffer(8);
        buffer.Append([0, 1, 2, 3, 4, 5]);
        buffer.Release(4);
        buffer.Append([6, 7, 8, 9, 10, 11]); // wraps in an 8-byte ring, wherever the pool put it
        var all = new byte[8];
        buffer.CopyTo(0, all);
        Assert.Equal(new byte[] { 4, 5, 6, 7, 8, 9, 10, 11 }, all);
        var mid = new byte[3];
        buffer.CopyTo(3, mid);
        Assert.Equal(new byte[] { 7, 8, 9 }, mid);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.CopyTo(6, new byte[3]));
    }

    [Fact]
    public void Capacity_CannotShrinkBelowCount()
    {
        var buffer = new SendBuffer(10);
        buffer.Append(new byte[6]);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Capacity = 5);
        buffer.Capacity = 6;
        Assert.Equal(0, buffer.Free);
        buffer.Capacity = 5000;
        Assert.Equal(4994, buffer.Append(new byte[10_000]));
        Assert.Equal(5000, buffer.Count);
    }

    // Operation: kind 0 = append n bytes, 1 = release n, 2 = copy n at offset, 3 = change capacity.
    private static readonly Gen<(int Kind, int A, int B)[]> Ops =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3000], Gen.Int[0, 3000]).Array[1, 200];

    [Fact]
    public void MatchesListModel() => CheckAgainstListModel(Gen.Int[1, 2500], Ops, iterations: 300);

    /// <summary>Capacities and writes well beyond the first ring (4 KB), so the ring doubles while holding data.</summary>
    [Fact]
    public void MatchesListModel_WhileTheRingGrows() =>
        CheckAgainstListModel(Gen.Int[1, 100_000], Gen.Select(Gen.Int[0, 3], Gen.Int[0, 30_000], Gen.Int[0, 30_000]).Array[1, 60], iterations: 200);

    [Fact]
    public void TheRingStartsSmallAndDoubles()
    {
        var buffer = new SendBuffer(256 * 1024) { Pool = new Fastsocket.Stack.EngineBufferPool() };

        buffer.Append(new byte[100]);
        Assert.Equal(4096, buffer.RingLength);
        buffer.Append(new byte[5000]);
        Assert.Equal(8192, buffer.RingLength);
        buffer.Append(new byte[100_000]);
        Assert.Equal(131072, buffer.RingLength);
        buffer.Release(buffer.Count);
        Assert.False(buffer.HoldsMemory);
    }

    private static void CheckAgainstListModel(Gen<int> capacities, Gen<(int Kind, int A, int B)[]> ops, int iterations)
    {
        Gen.Select(capacities, ops).Sample(t =>
        {
            var buffer = new SendBuffer(t.Item1);
            int capacity = t.Item1;
            var model = new List<byte>();
            byte next = 0;
            foreach (var (kind, a, b) in t.Item2)
            {
                switch (kind)
                {
                    case 0:
                        var data = new byte[a];
                        for (int i = 0; i < data.Length; i++)
                        {
                            data[i] = next++;
                        }
                        int accepted = buffer.Append(data);
                        Assert.Equal(Math.Min(a, capacity - model.Count), accepted);
                        model.AddRange(data.AsSpan(0, accepted));
                        next = (byte)(next - (a - accepted));
                        break;
                    case 1:
                        int release = model.Count == 0 ? 0 : a % (model.Count + 1);
                        buffer.Release(release);
                        model.RemoveRange(0, release);
                        break;
                    case 2:
                        int offset = model.Count == 0 ? 0 : a % (model.Count + 1);
                        int length = (model.Count - offset) == 0 ? 0 : b % (model.Count - offset + 1);
                        var copy = new byte[length];
                        buffer.CopyTo(offset, copy);
                        Assert.True(CollectionsMarshal.AsSpan(model).Slice(offset, length).SequenceEqual(copy));
                        break;
                    default:
                        capacity = Math.Max(Math.Max(model.Count, 1), a);
                        buffer.Capacity = capacity;
                        break;
                }
                Assert.Equal(model.Count, buffer.Count);
                Assert.Equal(capacity - model.Count, buffer.Free);
                Assert.Equal(model.Count > 0, buffer.HoldsMemory);
            }
            var rest = new byte[model.Count];
            buffer.CopyTo(0, rest);
            Assert.True(CollectionsMarshal.AsSpan(model).SequenceEqual(rest));
            buffer.Clear();
            Assert.False(buffer.HoldsMemory);
        }, iter: iterations);
    }
}
