//! The one worker pool: it runs the outputs of an Ente's run and the Enti of a batch.
//!
//! Scoped threads taking the next job by index: no queue, no allocation per job, results in job
//! order whatever finished first. A batch runs its Enti here with one worker each for their
//! outputs, so the machine's cores are shared once, never multiplied.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Jobs run at the same time on this machine: its cores, at most `limit`, at least one.
pub fn workers(jobs: usize, limit: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(limit).min(jobs).max(1)
}

/// Runs `job(0) … job(n - 1)` on `workers` threads, each taking the next index, and returns the
/// results in index order. Once a result is one that `stops` says ends the run (a part of the
/// Relazione that failed: the others would be thrown away), jobs not yet begun are not begun:
/// their places are `None`.
pub fn run<T: Send>(
    n: usize,
    workers: usize,
    job: impl Fn(usize) -> T + Sync,
    stops: impl Fn(&T) -> bool + Sync,
) -> Vec<Option<T>> {
    let next = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    let slots: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, n.max(1)) {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    if k >= n || stopped.load(Ordering::SeqCst) {
                        break;
                    }
                    let result = job(k);
                    if stops(&result) {
                        stopped.store(true, Ordering::SeqCst);
                    }
                    slots.lock().unwrap_or_else(|e| e.into_inner())[k] = Some(result);
                }
            });
        }
    });
    slots.into_inner().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_and_none_begins_after_a_stop() {
        let squares = run(10, 3, |k| k * k, |_| false);
        assert_eq!(squares, (0..10).map(|k| Some(k * k)).collect::<Vec<_>>());

        let started = AtomicUsize::new(0);
        let done = run(
            1000,
            2,
            |k| {
                started.fetch_add(1, Ordering::SeqCst);
                if k == 3 { Err(k) } else { Ok(k) }
            },
            Result::is_err,
        );
        assert_eq!(done[3], Some(Err(3)));
        assert!(done[..3].iter().all(|r| matches!(r, Some(Ok(_)))));
        assert!(started.load(Ordering::SeqCst) < 1000, "jobs after the stop were not begun");
        assert!(done.iter().filter(|r| r.is_none()).count() > 900);
    }

    #[test]
    fn there_are_never_more_workers_than_jobs_nor_than_allowed() {
        assert_eq!(workers(1, 8), 1);
        assert!(workers(100, 2) <= 2);
        assert!(workers(0, 2) >= 1);
        assert_eq!(run(0, 4, |k| k, |_| false), Vec::<Option<usize>>::new());
    }
}
