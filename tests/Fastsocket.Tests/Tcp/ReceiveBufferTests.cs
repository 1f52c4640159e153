using CsCheck;
using Fastsocket.Tcp;

namespace Fastsocket.Tests.Tcp;

public class ReceiveBufferTests
{
    private static byte[] Bytes(int start, int count)
    {
        var data = new byte[count];
        for (int i = 0; i < count; i++)
        {
            data[i] = (byte)(start + i);
        }
        return data;
    }

    [Fact]
    public void InOrder_AdvancesAndReads()
    {
        var rb = new ReceiveBuffer(100);
        Assert.False(rb.HoldsMemory);
        Assert.Equal(100, rb.Window);
        Assert.Equal(10, rb.Insert(0, Bytes(0, 10)));
        Assert.Equal(10, rb.Readable);
        Assert.Equal(90, rb.Window);
        var dest = new byte[4];
        Assert.Equal(4, rb.Read(dest));
        Assert.Equal(Bytes(0, 4), dest);
        Assert.Equal(94, rb.Window);
        var rest = new byte[20];
        Assert.Equal(6, rb.Read(rest));
        Assert.Equal(Bytes(4, 6), rest[..6]);
        Assert.False(rb.HoldsMemory);
        Assert.Equal(0, rb.Read(rest));
    }

    [Fact]
    public void HoleFill_ReturnsWholeContiguousAdvance()
    {
        var rb = new ReceiveBuffer(100);
        Assert.Equal(0, rb.Insert(10, Bytes(10, 10)));
        Assert.Equal(0, rb.Insert(30, Bytes(30, 5)));
        Assert.Equal(15, rb.OutOfOrderBytes);
        Assert.Equal(2, rb.OutOfOrderRanges);
        Assert.Equal(100, rb.Window); // out-of-order bytes sit inside the window
        Assert.Equal(0, rb.Readable);
        // Fill [0,10): joins [10,20) but not [30,35).
        Assert.Equal(20, rb.Insert(0, Bytes(0, 10)));
        Assert.Equal(5, rb.OutOfOrderBytes);
        // Offsets are now relative to the new RCV.NXT (20); fill [20,30) -> advances through 35.
        Assert.Equal(15, rb.Insert(0, Bytes(20, 10)));
        Assert.False(rb.HasOutOfOrder);
        var all = new byte[35];
        Assert.Equal(35, rb.Read(all));
        Assert.Equal(Bytes(0, 35), all);
    }

    [Fact]
    public void DataBeyondWindow_IsTrimmed()
    {
        var rb = new ReceiveBuffer(10);
        Assert.Equal(0, rb.Insert(10, Bytes(10, 5)));
        Assert.False(rb.HasOutOfOrder);
        Assert.Equal(0, rb.Insert(8, Bytes(8, 5)));
        Assert.Equal(2, rb.OutOfOrderBytes);
        Assert.Equal(10, rb.Insert(0, Bytes(0, 12)));
        Assert.Equal(0, rb.Window);
        Assert.Equal(0, rb.Insert(0, Bytes(10, 1)));
    }

    [Fact]
    public void RangeLimit_DropsNewDisjointSegmentsButMergesTouchingOnes()
    {
        var rb = new ReceiveBuffer(1000, maxOutOfOrderRanges: 2);
        rb.Insert(10, Bytes(10, 5));
        rb.Insert(30, Bytes(30, 5));
        Assert.Equal(0, rb.Insert(50, Bytes(50, 5)));
        Assert.Equal(1, rb.DroppedOutOfOrderSegments);
        Assert.Equal(10, rb.OutOfOrderBytes);
        // Adjacent to an existing range: merges, so it is kept.
        rb.Insert(35, Bytes(35, 5));
        Assert.Equal(15, rb.OutOfOrderBytes);
        Assert.Equal(1, rb.DroppedOutOfOrderSegments);
        // In-order data is never dropped.
        Assert.Equal(5, rb.Insert(0, Bytes(0, 5)));
    }

    [Fact]
    public void SackBlocks_MostRecentFirst()
    {
        var rb = new ReceiveBuffer(10_000);
        Span<(int Start, int End)> blocks = stackalloc (int, int)[4];
        Assert.Equal(0, rb.GetSackBlocks(blocks));
        rb.Insert(1000, Bytes(0, 100)); // A
        rb.Insert(2000, Bytes(0, 100)); // B
        rb.Insert(3000, Bytes(0, 100)); // C
        Assert.Equal(3, rb.GetSackBlocks(blocks));
        Assert.Equal((3000, 3100), blocks[0]);
        Assert.Equal((2000, 2100), blocks[1]);
        Assert.Equal((1000, 1100), blocks[2]);
        rb.Insert(1100, Bytes(0, 50)); // extends A: A becomes most recent
        Assert.Equal(3, rb.GetSackBlocks(blocks));
        Assert.Equal((1000, 1150), blocks[0]);
        Assert.Equal((3000, 3100), blocks[1]);
        rb.Insert(4000, Bytes(0, 10));
        rb.Insert(5000, Bytes(0, 10));
        Span<(int Start, int End)> three = stackalloc (int, int)[3];
        Assert.Equal(3, rb.GetSackBlocks(three));
        Assert.Equal((5000, 5010), three[0]);
        Assert.Equal((4000, 4010), three[1]);
        Assert.Equal((1000, 1150), three[2]);
        // Blocks are relative to RCV.NXT, which moves.
        Assert.Equal(100, rb.Insert(0, Bytes(0, 100)));
        Assert.Equal(4, rb.GetSackBlocks(blocks));
        Assert.Equal((4900, 4910), blocks[0]);
    }

    [Fact]
    public void Clear_DropsEverythingAndReturnsMemory()
    {
        var rb = new ReceiveBuffer(100);
        rb.Insert(0, Bytes(0, 10));
        rb.Insert(20, Bytes(0, 10));
        Assert.True(rb.HoldsMemory);
        rb.Clear();
        Assert.False(rb.HoldsMemory);
        Assert.Equal(0, rb.Readable);
        Assert.False(rb.HasOutOfOrder);
        Assert.Equal(100, rb.Window);
    }

    [Fact]
    public void MatchesModel_UnderReorderingOverlapAndDuplication() => CheckAgainstModel(maxLength: 3000, maxCapacity: 4000, iterations: 1000);

    /// <summary>Windows well beyond the first ring (4 KB), so the ring grows while holding in-order and out-of-order data.</summary>
    [Fact]
    public void MatchesModel_WhileTheRingGrows() => CheckAgainstModel(maxLength: 60_000, maxCapacity: 40_000, iterations: 150);

    [Fact]
    public void TheRingStartsSmallAndGrowsOnlyAsFarAsTheDataReaches()
    {
        var rb = new ReceiveBuffer(256 * 1024) { Pool = new Fastsocket.Stack.EngineBufferPool() };
        byte[] stream = Enumerable.Range(0, 20_000).Select(i => (byte)(i * 7)).ToArray();

        rb.Insert(0, stream.AsSpan(0, 3000));
        Assert.Equal(4096, rb.RingLength);
        var read = new byte[20_000];
        Assert.Equal(2000, rb.Read(read.AsSpan(0, 2000)));

        // Out of order, 12 KB past what the application has read: the ring grows, and its contents move.
        rb.Insert(13_000 - 3000, stream.AsSpan(13_000, 1000));
        Assert.Equal(16384, rb.RingLength);
        Assert.Equal(11_000, rb.Insert(0, stream.AsSpan(3000, 10_000)));
        Assert.Equal(12_000, rb.Read(read.AsSpan(2000)));
        Assert.True(stream.AsSpan(0, 14_000).SequenceEqual(read.AsSpan(0, 14_000)));
        Assert.False(rb.HoldsMemory);
    }

    private static void CheckAgainstModel(int maxLength, int maxCapacity, int iterations)
    {
        Gen.Select(Gen.Int[1, maxLength], Gen.Int[1, maxCapacity], Gen.Int[0, 6], Gen.Int).Sample(t =>
        {
            var (length, capacity, maxRanges, seed) = t;
            var random = new Random(seed);
            byte[] stream = new byte[length];
            random.NextBytes(stream);

            var segments = new List<(int Start, int Length)>();
            for (int at = 0; at < length;)
            {
                int n = Math.Min(length - at, random.Next(1, 400));
                segments.Add((at, n));
                at += n;
            }
            int extra = random.Next(0, 30);
            for (int i = 0; i < extra; i++)
            {
                int s = random.Next(0, length);
                segments.Add((s, Math.Min(length - s, random.Next(1, 500))));
            }
            var shuffled = segments.ToArray();
            random.Shuffle(shuffled);

            var rb = new ReceiveBuffer(capacity, maxRanges);
            var model = new Model(stream, capacity, maxRanges);
            var received = new List<byte>(length);
            var readBuffer = new byte[65536];
            Span<(int Start, int End)> blocks = stackalloc (int, int)[4];

            foreach (var (start, n) in shuffled)
            {
                Deliver(rb, model, start, n, blocks);
                if (random.Next(3) == 0)
                {
                    int want = random.Next(0, rb.Readable + 1);
                    int got = rb.Read(readBuffer.AsSpan(0, want));
                    Assert.Equal(want, got);
                    received.AddRange(readBuffer.AsSpan(0, got));
                    model.Consumed += got;
                }
            }
            // The sender retransmits from RCV.NXT (go-back-N) while the application reads: this must
            // complete the stream, reusing whatever out-of-order data was kept.
            while (model.RcvNxt < length)
            {
                Deliver(rb, model, model.RcvNxt, Math.Min(length - model.RcvNxt, random.Next(1, 400)), blocks);
                int got = rb.Read(readBuffer);
                received.AddRange(readBuffer.AsSpan(0, got));
                model.Consumed += got;
            }
            Assert.Equal(length, model.RcvNxt);
            int last = rb.Read(readBuffer);
            received.AddRange(readBuffer.AsSpan(0, last));
            Assert.True(stream.AsSpan().SequenceEqual(received.ToArray()));
            Assert.False(rb.HoldsMemory);
            Assert.Equal(model.Dropped, rb.DroppedOutOfOrderSegments);
        }, iter: iterations);
    }

    private static void Deliver(ReceiveBuffer rb, Model model, int start, int n, Span<(int Start, int End)> blocks)
    {
        if (start + n <= model.RcvNxt)
        {
            return; // entirely old: the caller drops it before the buffer sees it
        }
        if (start < model.RcvNxt)
        {
            n -= model.RcvNxt - start;
            start = model.RcvNxt;
        }
        int offset = start - model.RcvNxt;
        var (advance, storedEnd) = model.Insert(start, n);
        Assert.Equal(advance, rb.Insert(offset, model.Stream.AsSpan(start, n)));
        Assert.Equal(model.RcvNxt - model.Consumed, rb.Readable);
        Assert.Equal(model.OutOfOrderBytes(), rb.OutOfOrderBytes);

        var runs = model.Runs();
        Assert.Equal(runs.Count, rb.OutOfOrderRanges);
        int count = rb.GetSackBlocks(blocks);
        Assert.Equal(Math.Min(4, runs.Count), count);
        for (int i = 0; i < count; i++)
        {
            Assert.Contains((blocks[i].Start + model.RcvNxt, blocks[i].End + model.RcvNxt), runs);
        }
        if (advance == 0 && storedEnd > start)
        {
            // RFC 2018: the first block covers the segment that triggered this ACK.
            Assert.True(blocks[0].Start <= offset && storedEnd - model.RcvNxt <= blocks[0].End);
        }
    }

    /// <summary>The obvious, slow reference: one flag per stream byte.</summary>
    private sealed class Model(byte[] stream, int capacity, int maxRanges)
    {
        private readonly bool[] _have = new bool[stream.Length + 1];

        public byte[] Stream { get; } = stream;

        public int RcvNxt { get; private set; }

        public int Consumed { get; set; }

        public long Dropped { get; private set; }

        public (int Advance, int StoredEnd) Insert(int start, int n)
        {
            int windowEnd = Consumed + capacity;
            int end = Math.Min(start + n, windowEnd);
            if (start >= windowEnd || end <= start)
            {
                return (0, start);
            }
            if (start > RcvNxt)
            {
                bool touches = _have[start - 1];
                for (int i = start; i <= end && !touches; i++)
                {
                    touches = _have[i];
                }
                if (!touches && Runs().Count == maxRanges)
                {
                    Dropped++;
                    return (0, start);
                }
            }
            for (int i = start; i < end; i++)
            {
                _have[i] = true;
            }
            int before = RcvNxt;
            while (_have[RcvNxt])
            {
                _have[RcvNxt] = false;
                RcvNxt++;
            }
            return (RcvNxt - before, end);
        }

        public int OutOfOrderBytes()
        {
            int count = 0;
            for (int i = RcvNxt; i < _have.Length; i++)
            {
                count += _have[i] ? 1 : 0;
            }
            return count;
        }

        public List<(int, int)> Runs()
        {
            var runs = new List<(int, int)>();
            for (int i = RcvNxt; i < _have.Length; i++)
            {
                if (_have[i] && (i == RcvNxt || !_have[i - 1]))
                {
                    int j = i;
                    while (_have[j])
                    {
                        j++;
                    }
                    runs.Add((i, j));
                }
            }
            return runs;
        }
    }
}
