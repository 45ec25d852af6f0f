//! Seeded randomness split into named streams.
//!
//! Every model draws from its own ChaCha stream. A stream is the scenario's
//! seed with the ChaCha stream (nonce) set from a stable hash of the stream's
//! name, so adding a stream, or drawing more from one, never shifts another.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

/// The named random streams of a simulation run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stream {
    /// The visit schedule: gaps between visits.
    Visits,
    /// Alerts per visit and their split across detectors.
    Alerts,
    /// Alert sizes drawn from the measured sample.
    AlertSizes,
    /// Pod start-up times.
    PodStartup,
    /// Per-detector processing times.
    Processing,
    /// Produce latency jitter at the brokers.
    Kafka,
    /// Community broker (consumer) jitter.
    Consumers,
    /// Fault schedules.
    Faults,
    /// Redis command latency.
    Redis,
    /// Synthetic alert content for the fidelity sample.
    Content,
    /// Partitions: which lose their leader, and each alert's partition
    /// while some have none.
    Partitions,
    /// Each visit's kind (science, no pipelines, images missing).
    VisitKinds,
    /// Per-detector stage times (preload, image arrival, pipelines, APDB),
    /// keyed by visit and detector (see `stages`).
    Stages,
    /// The alert topic's replica placement (the striped placer's random
    /// start offset and shuffles).
    Placement,
}

impl Stream {
    /// The stable name that keys the stream; never change an existing one.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Visits => "visits",
            Stream::Alerts => "alerts",
            Stream::AlertSizes => "alert-sizes",
            Stream::PodStartup => "pod-startup",
            Stream::Processing => "processing",
            Stream::Kafka => "kafka",
            Stream::Consumers => "consumers",
            Stream::Faults => "faults",
            Stream::Redis => "redis",
            Stream::Content => "content",
            Stream::Partitions => "partitions",
            Stream::VisitKinds => "visit-kinds",
            Stream::Stages => "stages",
            Stream::Placement => "placement",
        }
    }
}

/// FNV-1a, 64 bits: a stable hash of a stream's name (not `std`'s hasher,
/// whose output may change between Rust versions).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The generator for one named stream of a run seeded with `seed`.
pub fn stream(seed: u64, which: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(fnv1a64(which.name().as_bytes()));
    rng
}

/// A uniform draw in [0, 1).
pub fn unit(rng: &mut ChaCha8Rng) -> f64 {
    rng.random::<f64>()
}

/// A standard normal draw.
pub fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// A log-normal draw with the given median and shape (sigma of the log);
/// sigma 0 gives the median itself.
pub fn lognormal_median(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    if sigma <= 0.0 {
        return median;
    }
    median * (sigma * standard_normal(rng)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_and_repeat() {
        let a1 = stream(7, Stream::Visits).next_u64();
        let a2 = stream(7, Stream::Visits).next_u64();
        let b = stream(7, Stream::Alerts).next_u64();
        let c = stream(8, Stream::Visits).next_u64();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_ne!(a1, c);
    }

    #[test]
    fn drawing_from_one_stream_leaves_others_alone() {
        let mut visits = stream(1, Stream::Visits);
        for _ in 0..1000 {
            visits.next_u64();
        }
        let mut fresh = stream(1, Stream::Alerts);
        let mut after = stream(1, Stream::Alerts);
        assert_eq!(fresh.next_u64(), after.next_u64());
    }

    #[test]
    fn lognormal_median_is_near_the_median() {
        let mut rng = stream(3, Stream::Processing);
        let mut draws: Vec<f64> = (0..10_001)
            .map(|_| lognormal_median(&mut rng, 20.0, 0.3))
            .collect();
        draws.sort_by(f64::total_cmp);
        let median = draws[5000];
        assert!((median - 20.0).abs() < 0.5, "median {median}");
        assert_eq!(lognormal_median(&mut rng, 20.0, 0.0), 20.0);
    }
}
