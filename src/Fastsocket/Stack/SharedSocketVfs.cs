using Fastsocket.Tcp;

namespace Fastsocket.Stack;

/// <summary>
/// The VFS layer a socket passes through in a stack without light sockets, modelled on Linux 2.6.32, where every socket
/// is a file: accept(2) and socket(2) allocate a descriptor in the process's descriptor table under its
/// <c>file_lock</c> (lowest free number first, as POSIX requires), and an inode and a dentry, linked into global lists
/// under <c>inode_lock</c> and <c>dcache_lock</c>; close(2) takes both again to unlink and free them. Here the descriptor
/// table is one lock and the inode/dentry records are a second, both global: four global lock acquisitions per socket
/// lifetime, each counted on the calling core. Fastsocket's light sockets (<see cref="StackMechanisms.LightSockets"/>)
/// skip this layer: a socket is the engine's own pooled object.
/// </summary>
/// <remarks>
/// A record is opened when the application gets a connection (accept, or connect) and closed when it closes it; what the
/// protocol does afterwards (FIN exchange, TIME-WAIT) needs no file, as in the kernel. Storage grows by doubling and is
/// reused, so after warm-up nothing is allocated.
/// </remarks>
internal sealed class SharedSocketVfs
{
    private const int InitialCapacity = 1024;

    private readonly Lock _descriptorLock = new();
    private TcpConnection?[] _files = new TcpConnection?[InitialCapacity];
    private int[] _inodeOfDescriptor = new int[InitialCapacity];
    private ulong[] _openDescriptors = new ulong[InitialCapacity / 64];
    private int _nextDescriptor;
    private int _openCount;

    private readonly Lock _inodeLock = new();
    private InodeRecord[] _inodes = new InodeRecord[InitialCapacity];
    private int _inodesMade;
    private int _inUseHead = -1;
    private int _freeInodes = -1;
    private long _lastInodeNumber;

    /// <summary>Sockets open (descriptors held by the application).</summary>
    public int OpenCount => Volatile.Read(ref _openCount);

    /// <summary>
    /// The socket layer's part of accept(2) or socket(2): an inode/dentry record under the inode lock, then a descriptor
    /// under the descriptor table's lock. Returns the descriptor.
    /// </summary>
    public int Open(TcpConnection connection, EngineStatistics statistics)
    {
        int inode;
        lock (_inodeLock)
        {
            statistics.LockAcquisitions++;
            inode = AllocateInode();
        }
        lock (_descriptorLock)
        {
            statistics.LockAcquisitions++;
            int descriptor = LowestFreeDescriptor();
            _openDescriptors[descriptor >> 6] |= 1UL << descriptor;
            _files[descriptor] = connection;
            _inodeOfDescriptor[descriptor] = inode;
            _nextDescriptor = descriptor + 1;
            Volatile.Write(ref _openCount, _openCount + 1);
            return descriptor;
        }
    }

    /// <summary>The socket layer's part of close(2): the descriptor is freed under its lock, then the inode/dentry record under its own.</summary>
    public void Close(int descriptor, EngineStatistics statistics)
    {
        int inode;
        lock (_descriptorLock)
        {
            statistics.LockAcquisitions++;
            if ((uint)descriptor >= (uint)_files.Length || (_openDescriptors[descriptor >> 6] & (1UL << descriptor)) == 0)
            {
                throw new InvalidOperationException($"descriptor {descriptor} is not open");
            }
            _openDescriptors[descriptor >> 6] &= ~(1UL << descriptor);
            _files[descriptor] = null;
            inode = _inodeOfDescriptor[descriptor];
            _nextDescriptor = Math.Min(_nextDescriptor, descriptor);
            Volatile.Write(ref _openCount, _openCount - 1);
        }
        lock (_inodeLock)
        {
            statistics.LockAcquisitions++;
            FreeInode(inode);
        }
    }

    /// <summary>The socket on <paramref name="descriptor"/>, or null when it is not open (for tests and diagnostics).</summary>
    public TcpConnection? Find(int descriptor)
    {
        lock (_descriptorLock)
        {
            return (uint)descriptor < (uint)_files.Length ? _files[descriptor] : null;
        }
    }

    // Linux's find_next_zero_bit over open_fds from next_fd, growing the table (expand_files) when it is full.
    private int LowestFreeDescriptor()
    {
        for (int word = _nextDescriptor >> 6; word < _openDescriptors.Length; word++)
        {
            ulong free = ~_openDescriptors[word];
            if (word == _nextDescriptor >> 6)
            {
                free &= ulong.MaxValue << (_nextDescriptor & 63);
            }
            if (free != 0)
            {
                return (word << 6) + System.Numerics.BitOperations.TrailingZeroCount(free);
            }
        }
        int first = _files.Length;
        Array.Resize(ref _files, first * 2);
        Array.Resize(ref _inodeOfDescriptor, first * 2);
        Array.Resize(ref _openDescriptors, first * 2 / 64);
        return first;
    }

    // new_inode and d_alloc: a record off the free list, numbered from last_ino, linked at the head of the in-use list.
    private int AllocateInode()
    {
        int inode = _freeInodes;
        if (inode >= 0)
        {
            _freeInodes = _inodes[inode].Next;
        }
        else
        {
            if (_inodesMade == _inodes.Length)
            {
                Array.Resize(ref _inodes, _inodes.Length * 2);
            }
            inode = _inodesMade++;
        }
        ref InodeRecord record = ref _inodes[inode];
        record.Number = ++_lastInodeNumber;
        record.Previous = -1;
        record.Next = _inUseHead;
        if (_inUseHead >= 0)
        {
            _inodes[_inUseHead].Previous = inode;
        }
        _inUseHead = inode;
        return inode;
    }

    // iput and dput: unlinked from the in-use list, back on the free list.
    private void FreeInode(int inode)
    {
        ref InodeRecord record = ref _inodes[inode];
        if (record.Previous >= 0)
        {
            _inodes[record.Previous].Next = record.Next;
        }
        else
        {
            _inUseHead = record.Next;
        }
        if (record.Next >= 0)
        {
            _inodes[record.Next].Previous = record.Previous;
        }
        record.Number = 0;
        record.Previous = -1;
        record.Next = _freeInodes;
        _freeInodes = inode;
    }

    /// <summary>An inode and its dentry, reduced to what the global lists need: a number and the list links.</summary>
    private struct InodeRecord
    {
        public long Number;
        public int Previous;
        public int Next;
    }
}
