//! Work spread over the cores. Loading files, reading runbooks, running checks and running
//! unit-test groups are each a list of independent jobs; [`map`] hands them out, in order, to
//! whichever thread is free, and gives the results back in order.
//!
//! This module exists so that there is one place that spreads work over the cores, on threads
//! with the stack PromQL needs: every worker has [`promql::STACK_BYTES`] (as much as the main
//! thread's), for deeply nested expressions and templates; rayon's default for its threads, like
//! std's for spawned ones, is a quarter of it. The threads are a rayon pool that this library
//! builds the first time it is needed, so a program or test using the library gets that stack
//! too, not only the CLI.

use rayon::prelude::*;
use std::sync::OnceLock;

/// How many threads to use: one per core.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// `job(state, i)` for every `i` below `n`, on up to [`threads`] threads; the results in index
/// order. Each job gets a `state` of its own (buffers it reuses). A job's panic is raised again
/// here.
pub fn map<S, T, F>(n: usize, job: F) -> Vec<T>
where
    S: Default,
    T: Send,
    F: Fn(&mut S, usize) -> T + Sync,
{
    map_on(threads(), n, job)
}

/// [`map`] on up to `threads` threads.
pub fn map_on<S, T, F>(threads: usize, n: usize, job: F) -> Vec<T>
where
    S: Default,
    T: Send,
    F: Fn(&mut S, usize) -> T + Sync,
{
    let busy = threads.min(n);
    // The shared pool, unless a different number of threads was asked for (`alertlint test
    // --jobs`): then a pool of that many, for this call.
    let shared = shared_pool();
    let own;
    let pool = match shared {
        Some(p) if p.current_num_threads().min(n) == busy => Some(p),
        _ if busy <= 1 => None,
        _ => {
            own = pool_of(busy);
            own.as_ref()
        }
    };
    match pool {
        // One job at a time (`with_max_len(1)`): jobs differ widely in cost (one check, one
        // test group), so no thread is left idle while another has several queued.
        Some(pool) if busy > 1 => pool.install(|| {
            (0..n)
                .into_par_iter()
                .with_max_len(1)
                .map_init(S::default, |state, i| job(state, i))
                .collect()
        }),
        // One thread, or none could be started: the calling thread does the work.
        _ => {
            let mut state = S::default();
            (0..n).map(|i| job(&mut state, i)).collect()
        }
    }
}

/// The pool [`map`] runs on: [`threads`] threads, built on first use. `None` if its threads
/// could not be started.
fn shared_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| pool_of(threads())).as_ref()
}

/// A pool of `threads` threads, each with the stack PromQL needs.
fn pool_of(threads: usize) -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(promql::STACK_BYTES)
        .thread_name(|i| format!("alertlint-worker-{i}"))
        .build()
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_jobs() {
        let squares = super::map(1000, |(): &mut (), i| i * i);
        assert_eq!(squares, (0..1000).map(|i| i * i).collect::<Vec<_>>());
        assert!(super::map(0, |(): &mut (), i| i).is_empty());
        for threads in [1, 2, 3, 7] {
            let doubled = super::map_on(threads, 100, |(): &mut (), i| 2 * i);
            assert_eq!(doubled, (0..100).map(|i| 2 * i).collect::<Vec<_>>());
        }
    }

    #[test]
    fn state_is_handed_to_the_jobs() {
        let lens = super::map(50, |buf: &mut Vec<usize>, i| {
            buf.push(i);
            buf.contains(&i)
        });
        assert!(lens.into_iter().all(|b| b));
    }

    #[test]
    fn a_jobs_panic_reaches_the_caller() {
        for threads in [1, 2, 3] {
            let caught = std::panic::catch_unwind(|| {
                super::map_on(threads, 20, |(): &mut (), i| {
                    assert!(i != 13, "job 13 fails");
                    i
                })
            });
            let panic = caught.expect_err("the panic is raised again");
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied());
            assert_eq!(message, Some("job 13 fails"), "{threads} threads");
        }
    }

    /// Workers have the stack [`promql::STACK_BYTES`] promises: a recursion that takes 5 MiB of
    /// stack, more than the 2 MiB a thread gets by default, runs on each of them.
    #[test]
    fn workers_have_the_promql_stack() {
        /// Recurses until the stack below `top` is 5 MiB deep.
        #[inline(never)]
        fn deep(top: usize) -> usize {
            let pad = std::hint::black_box([0u8; 256]);
            if top.abs_diff(pad.as_ptr() as usize) > 5 << 20 {
                return usize::from(pad[0]);
            }
            deep(top) + usize::from(pad[1])
        }
        let out = super::map_on(2, 8, |(): &mut (), _| {
            let top = 0u8;
            deep(std::ptr::from_ref(&top) as usize)
        });
        assert_eq!(out, vec![0; 8]);
        let names = super::map_on(2, 8, |(): &mut (), _| {
            std::thread::current().name().map(str::to_string)
        });
        assert!(
            names.iter().all(|n| n
                .as_deref()
                .is_some_and(|n| n.starts_with("alertlint-worker"))),
            "{names:?}"
        );
    }
}
