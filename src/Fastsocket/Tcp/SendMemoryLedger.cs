using System.Buffers;
using System.Diagnostics;

namespace Fastsocket.Tcp;

/// <summary>
/// Send-buffer memory as Linux charges it against SO_SNDBUF (sk_wmem_queued against sk_sndbuf), for connections whose
/// SO_SNDBUF must mean what it means on Linux. Linux queues written bytes in socket buffers (skbs) of up to a "size
/// goal" of payload (tcp_xmit_size_goal: as many whole segments as fit in 64 KB less headers and in half the largest
/// window the peer offered) and charges each its truesize: the payload plus a fixed cost for the buffer itself. A
/// writer may start a new buffer only while the charge is under the limit, and fills it whole even past the limit; a
/// transmission that stops inside a buffer splits it (tso_fragment), and the split costs a second overhead; an ACK
/// frees whole buffers and trims the first one it covers only in part. A writer blocked on memory wakes when the free
/// room is at least half the charge (sk_stream_write_space, sk_stream_is_writeable), which poll and epoll report as
/// POLLOUT.
/// </summary>
/// <remarks>
/// The ledger keeps the boundaries of what was transmitted (buffers of at most the size goal, the last of each
/// transmission ending where it stopped, as the split leaves them) and counts the untransmitted rest as whole size-goal buffers: the stack appends a write at
/// once and transmits after it, where Linux transmits the head buffer as soon as it is full, so the unsent tail is
/// counted as if packed the way Linux's writer would have packed it by then.
/// </remarks>
internal sealed class SendMemoryLedger
{
    /// <summary>
    /// The truesize of a TCP socket buffer without payload on Linux 6.x x86-64: SKB_TRUESIZE of a 320-byte head (the
    /// small-head cache that MAX_TCP_HEADER lands in) plus the aligned struct sk_buff (256) and skb_shared_info (320).
    /// </summary>
    public const int BufferOverhead = 896;

    /// <summary>Linux's GSO size limit (64 KB) less MAX_TCP_HEADER and one byte (sk_gso_max_size as TCP uses it).</summary>
    public const int GsoMaxBytes = 65536 - 320 - 1;

    /// <summary>Where the ring of transmitted-buffer lengths comes from (the owning engine's pool, or the shared pool).</summary>
    public ArrayPool<int> Pool { get; set; } = ArrayPool<int>.Shared;

    private int[]? _lengths;
    private int _head;
    private int _count;
    private int _recorded;

    /// <summary>sk_sndbuf: the limit the charge is held under, in bytes.</summary>
    public int Limit { get; set; } = 1;

    /// <summary>Payload bytes the ledger has recorded as transmitted buffers (from the start of the send buffer).</summary>
    public int RecordedBytes => _recorded;

    /// <summary>Transmitted buffers recorded and not yet freed by an ACK.</summary>
    public int RecordedBuffers => _count;

    /// <summary>
    /// Linux's size goal (tcp_xmit_size_goal with GSO): whole segments of <paramref name="mss"/> up to 64 KB less headers
    /// and up to half the largest window the peer has offered (tcp_bound_to_half_wnd), never less than one segment.
    /// </summary>
    public static int SizeGoal(int mss, int maxWindow)
    {
        mss = Math.Max(mss, 1);
        int goal = GsoMaxBytes;
        int cutoff = maxWindow > 536 ? maxWindow / 2 : maxWindow;
        if (cutoff > 0 && goal > cutoff)
        {
            goal = Math.Max(cutoff, 68 - 20);
        }
        return Math.Max(goal / mss * mss, mss);
    }

    /// <summary>
    /// The charge (sk_wmem_queued) of a send buffer holding <paramref name="queued"/> bytes, the first
    /// <paramref name="transmitted"/> of them sent at least once, with buffers of <paramref name="sizeGoal"/> bytes.
    /// </summary>
    public long Charge(int queued, int transmitted, int sizeGoal)
    {
        int unrecorded = Math.Max(0, Math.Min(transmitted, queued) - _recorded);
        int unsent = queued - _recorded - unrecorded;
        long buffers = _count + BuffersFor(unrecorded, sizeGoal) + BuffersFor(unsent, sizeGoal);
        return queued + buffers * BufferOverhead;
    }

    /// <summary>
    /// Bytes a write may queue now: the room left in the last unsent buffer, then whole new buffers while the charge
    /// is under <see cref="Limit"/> (each new buffer is filled whole even when that takes the charge past it).
    /// </summary>
    public int Admissible(int queued, int transmitted, int sizeGoal)
    {
        int unsent = queued - Math.Max(_recorded, Math.Min(transmitted, queued));
        long tailRoom = BuffersFor(unsent, sizeGoal) * (long)sizeGoal - unsent;
        long charge = Charge(queued, transmitted, sizeGoal) + tailRoom;
        long fresh = charge < Limit ? (Limit - charge + sizeGoal + BufferOverhead - 1) / (sizeGoal + BufferOverhead) : 0;
        return (int)Math.Min(int.MaxValue, tailRoom + fresh * sizeGoal);
    }

    /// <summary>
    /// Linux's sk_stream_is_writeable: the charge is under the limit and the free room (sk_stream_wspace) is at least
    /// half the charge (sk_stream_min_wspace). A writer blocked on memory wakes only then; poll reports POLLOUT only then.
    /// </summary>
    public bool IsWriteable(int queued, int transmitted, int sizeGoal)
    {
        long charge = Charge(queued, transmitted, sizeGoal);
        return charge < Limit && Limit - charge >= charge >> 1;
    }

    /// <summary>
    /// Records that the first <paramref name="transmitted"/> queued bytes have been sent: the bytes sent since the last
    /// record become buffers of at most <paramref name="sizeGoal"/> bytes, the last of them ending where the
    /// transmission stopped (the split a transmission that stops inside a buffer makes).
    /// </summary>
    public void RecordTransmitted(int transmitted, int sizeGoal)
    {
        while (transmitted > _recorded)
        {
            if (_lengths == null || _count == _lengths.Length)
            {
                Grow();
            }
            int[] lengths = _lengths!;
            int tail = _head + _count;
            if (tail >= lengths.Length)
            {
                tail -= lengths.Length;
            }
            int length = Math.Min(transmitted - _recorded, Math.Max(sizeGoal, 1));
            lengths[tail] = length;
            _count++;
            _recorded += length;
        }
    }

    /// <summary>An ACK freed <paramref name="acknowledged"/> bytes from the front: whole buffers go, the first one left is trimmed.</summary>
    public void Release(int acknowledged)
    {
        while (acknowledged > 0 && _count > 0)
        {
            int[] lengths = _lengths!;
            int first = lengths[_head];
            if (first > acknowledged)
            {
                lengths[_head] = first - acknowledged;
                _recorded -= acknowledged;
                return;
            }
            acknowledged -= first;
            _recorded -= first;
            _head = _head + 1 == lengths.Length ? 0 : _head + 1;
            _count--;
        }
        if (_count == 0)
        {
            Clear();
        }
        Debug.Assert(_recorded >= 0, "recorded bytes never go negative");
    }

    /// <summary>Forgets every buffer (the send buffer was emptied) and returns the ring.</summary>
    public void Clear()
    {
        _head = 0;
        _count = 0;
        _recorded = 0;
        if (_lengths != null)
        {
            Pool.Return(_lengths);
            _lengths = null;
        }
    }

    private static long BuffersFor(int bytes, int sizeGoal) => bytes <= 0 ? 0 : (bytes + (long)sizeGoal - 1) / sizeGoal;

    private void Grow()
    {
        int[] fresh = Pool.Rent(Math.Max(16, (_lengths?.Length ?? 0) * 2));
        for (int i = 0; i < _count; i++)
        {
            int at = _head + i;
            if (at >= _lengths!.Length)
            {
                at -= _lengths.Length;
            }
            fresh[i] = _lengths[at];
        }
        if (_lengths != null)
        {
            Pool.Return(_lengths);
        }
        _lengths = fresh;
        _head = 0;
    }
}
