using System.Buffers;
using System.Collections.Concurrent;

namespace Sock.Core.Serving;

/// <summary>
/// The server's buffers, as Kestrel's pinned block pool keeps them: fixed-size blocks allocated pinned (so socket calls
/// need not pin them) and handed out again and again. Renting reuses the block's owner object too, so a busy connection
/// allocates nothing per message. Up to <c>maxRetained</c> free blocks are kept; more go back to the GC.
/// </summary>
internal sealed class BlockPool(int blockSize, int maxRetained) : MemoryPool<byte>
{
    private readonly ConcurrentQueue<Block> _free = new();
    private int _retained;

    public override int MaxBufferSize => blockSize;

    /// <summary>Free blocks held now.</summary>
    public int Retained => Volatile.Read(ref _retained);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, blockSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _retained);
            return block;
        }
        return new Block(this, GC.AllocateUninitializedArray<byte>(blockSize, pinned: true));
    }

    protected override void Dispose(bool disposing)
    {
        while (_free.TryDequeue(out _)) Interlocked.Decrement(ref _retained);
    }

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _retained) <= maxRetained) _free.Enqueue(block);
        else Interlocked.Decrement(ref _retained);
    }

    private sealed class Block(BlockPool pool, byte[] array) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory => array;

        public void Dispose() => pool.Return(this);
    }
}
