//! Runs a function over a slice on a fixed number of scoped threads and
//! returns the results in the slice's order, whichever thread ran what.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `items.iter().map(f)` on `threads` threads (at least one). Each thread
/// takes the next unclaimed index; results are put back in index order.
pub fn map_ordered<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    // A poisoned lock means another thread panicked; the
                    // scope re-raises that panic, so keep going.
                    let mut guard = done.lock().unwrap_or_else(|e| e.into_inner());
                    guard.push((i, r));
                }
            });
        }
    });
    let mut results = done.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_does_not_depend_on_threads() {
        let items: Vec<u64> = (0..50).collect();
        let square = |x: &u64| x * x;
        let one = map_ordered(&items, 1, square);
        let four = map_ordered(&items, 4, square);
        assert_eq!(one, four);
        assert_eq!(four.get(7), Some(&49));
    }
}
