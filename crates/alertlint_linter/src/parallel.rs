//! Work spread over the cores. Loading files, reading runbooks and running checks are each a
//! list of independent jobs; [`map`] hands them out, in order, to whichever thread is free.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many threads to use: one per core.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `job(state, i)` for every `i` below `n`, on up to [`threads`] threads, each with its own
/// `state` (buffers a job reuses); the results in index order. A job's panic is raised again
/// here.
pub fn map<S, T, F>(n: usize, job: F) -> Vec<T>
where
    S: Default,
    T: Send,
    F: Fn(&mut S, usize) -> T + Sync,
{
    map_on(threads(), n, job)
}

/// Stack of each worker thread (here, and the template thread that answers queries): as
/// much as the main thread's, for deeply nested expressions and templates (the default for
/// other threads is a quarter of it).
const STACK: usize = promql::STACK_BYTES;

/// [`map`] on up to `threads` threads.
pub fn map_on<S, T, F>(threads: usize, n: usize, job: F) -> Vec<T>
where
    S: Default,
    T: Send,
    F: Fn(&mut S, usize) -> T + Sync,
{
    let threads = threads.min(n);
    if threads <= 1 {
        let mut state = S::default();
        return (0..n).map(|i| job(&mut state, i)).collect();
    }
    let next = AtomicUsize::new(0);
    let parts: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
        // The calling thread works too: one thread fewer to start, and to give memory to.
        let workers: Vec<_> = (1..threads)
            .filter_map(|_| {
                // A worker that cannot start leaves its jobs to the others.
                std::thread::Builder::new()
                    .stack_size(STACK)
                    .spawn_scoped(scope, || drain(&next, n, &mut S::default(), &job))
                    .ok()
            })
            .collect();
        let mine = drain(&next, n, &mut S::default(), &job);
        std::iter::once(mine)
            .chain(workers.into_iter().map(join))
            .collect()
    });
    in_order(parts)
}

/// Runs jobs `next.fetch_add(1)` until they pass `n`: the results, with their indices.
fn drain<S, T>(
    next: &AtomicUsize,
    n: usize,
    state: &mut S,
    job: &impl Fn(&mut S, usize) -> T,
) -> Vec<(usize, T)> {
    let mut out = Vec::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            return out;
        }
        out.push((i, job(state, i)));
    }
}

/// A scoped thread's result; its panic, raised again.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Results gathered from several threads, in index order.
fn in_order<T>(parts: Vec<Vec<(usize, T)>>) -> Vec<T> {
    let mut all: Vec<(usize, T)> = parts.into_iter().flatten().collect();
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_jobs() {
        let squares = super::map(1000, |_: &mut (), i| i * i);
        assert_eq!(squares, (0..1000).map(|i| i * i).collect::<Vec<_>>());
        assert!(super::map(0, |_: &mut (), i| i).is_empty());
    }
}
