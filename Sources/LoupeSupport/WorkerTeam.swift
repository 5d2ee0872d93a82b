import CLoupePlatform
import Foundation

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Persistent worker threads that pick up a parallel loop within microseconds.
///
/// `DispatchQueue.concurrentPerform` wakes sleeping threads for every loop, which costs about
/// 40-45 us on the development machine (`loupe-bench --parallel-overhead`), a tenth of an
/// `mlp` training step; the team takes 2-4 us. The team's workers
/// instead spin for a while (about half a millisecond) after each loop, waiting for the next,
/// and only then sleep on a condition variable.
///
/// A loop hands out its indices through one atomic ticket: the loop's generation in the high
/// 32 bits, the next index in the low 32. A worker takes an index by a compare-and-swap on
/// the ticket it read, so it can only take an index of the generation it saw. Starting a
/// loop is three steps, in this order:
///
/// 1. retire the previous generation by moving the ticket to an odd generation, which hands
///    out nothing: from here on a worker that read the previous loop's (exhausted) ticket
///    fails its compare-and-swap, whatever count it reads next;
/// 2. publish the loop's closure, count and participants;
/// 3. open the loop by moving the ticket to the next even generation with index 0.
///
/// Loops are therefore even generations; workers wait for an even generation they have not
/// seen. (Publishing the count before retiring the generation let a late worker pair the old
/// loop's exhausted ticket with the new, larger count and run an index of the new loop twice.)
/// The caller takes indices too and returns when all are done. One loop runs at a time: a
/// call made while the team is busy (nested, or from another thread) returns false and the
/// caller runs the loop another way.
final class WorkerTeam: @unchecked Sendable {
    /// One worker per core beside the calling thread.
    static let shared = WorkerTeam(workers: max(ProcessInfo.processInfo.activeProcessorCount - 1, 0))

    let workers: Int
    /// [ticket, count, done, busy, participants]
    private let state: UnsafeMutablePointer<Int64>
    private var job: ((Int) -> Void)?
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    /// Workers asleep on `condition`; guarded by `mutex`.
    private var sleepers = 0
    private static let spinLimit = 20_000

    private var ticket: UnsafeMutablePointer<CLongLong> { pointer(0) }
    private var count: UnsafeMutablePointer<CLongLong> { pointer(1) }
    private var done: UnsafeMutablePointer<CLongLong> { pointer(2) }
    private var busy: UnsafeMutablePointer<CLongLong> { pointer(3) }
    private var participants: UnsafeMutablePointer<CLongLong> { pointer(4) }

    private func pointer(_ slot: Int) -> UnsafeMutablePointer<CLongLong> {
        UnsafeMutableRawPointer(state + slot).assumingMemoryBound(to: CLongLong.self)
    }

    init(workers: Int) {
        self.workers = workers
        state = .allocate(capacity: 8)
        state.initialize(repeating: 0, count: 8)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        for index in 0..<workers {
            let thread = Thread { [unowned self] in self.work(as: index) }
            thread.name = "loupe-worker-\(index)"
            thread.start()
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, on the calling thread and up to
    /// `threads - 1` workers; returns false, running nothing, when the team is busy or has
    /// no workers.
    func run(count total: Int, threads: Int, _ body: (Int) -> Void) -> Bool {
        guard workers > 0, total < 1 << 31, loupe_atomic_compare_exchange(busy, 0, 1) != 0 else { return false }
        withoutActuallyEscaping(body) { body in
            let previous = Self.generation(of: loupe_atomic_load(ticket))
            loupe_atomic_store(ticket, Self.ticket(generation: previous &+ 1))
            job = body
            loupe_atomic_store(count, CLongLong(total))
            loupe_atomic_store(done, 0)
            loupe_atomic_store(participants, CLongLong(min(threads - 1, workers)))
            let generation = previous &+ 2
            loupe_atomic_store(ticket, Self.ticket(generation: generation))
            pthread_mutex_lock(&mutex)
            if sleepers > 0 { pthread_cond_broadcast(&condition) }
            pthread_mutex_unlock(&mutex)
            takeIndices(of: generation)
            while loupe_atomic_load(done) < total { loupe_spin_pause() }
            job = nil
        }
        loupe_atomic_store(busy, 0)
        return true
    }

    /// The generation in a ticket's high 32 bits (modulo 2^32, so it wraps without trapping).
    private static func generation(of ticket: CLongLong) -> UInt32 { UInt32(truncatingIfNeeded: ticket >> 32) }

    /// The ticket of `generation` with next index 0.
    private static func ticket(generation: UInt32) -> CLongLong { CLongLong(generation) << 32 }

    /// Whether `generation` is an open loop the worker has not yet taken part in.
    private static func isNewLoop(_ generation: UInt32, after seen: UInt32) -> Bool {
        generation != seen && generation & 1 == 0
    }

    /// Takes indices of loop `generation` and runs them until none are left.
    private func takeIndices(of generation: UInt32) {
        while true {
            let current = loupe_atomic_load(ticket)
            let index = current & 0xFFFF_FFFF
            guard Self.generation(of: current) == generation, index < loupe_atomic_load(count) else { return }
            guard loupe_atomic_compare_exchange(ticket, current, current + 1) != 0 else { continue }
            job!(Int(index))
            loupe_atomic_fetch_add(done, 1)
        }
    }

    private func work(as worker: Int) {
        var seen: UInt32 = 0
        while true {
            var spins = 0
            var generation = Self.generation(of: loupe_atomic_load(ticket))
            while !Self.isNewLoop(generation, after: seen) {
                if spins < Self.spinLimit {
                    loupe_spin_pause()
                    spins += 1
                } else {
                    pthread_mutex_lock(&mutex)
                    sleepers += 1
                    while !Self.isNewLoop(Self.generation(of: loupe_atomic_load(ticket)), after: seen) {
                        pthread_cond_wait(&condition, &mutex)
                    }
                    sleepers -= 1
                    pthread_mutex_unlock(&mutex)
                }
                generation = Self.generation(of: loupe_atomic_load(ticket))
            }
            seen = generation
            if worker < loupe_atomic_load(participants) { takeIndices(of: generation) }
        }
    }
}
