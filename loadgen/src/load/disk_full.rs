//! `broker_disk_full` done for real to a local Apache Kafka cluster whose
//! brokers' data directories are size-limited tmpfs mounts (`alertsim load
//! --engine kafka` mounts them when the scenario has the fault and this
//! process may mount: root). At the fault's start every broker's disk is
//! filled until the kernel refuses writes, as the scenario's fault says
//! ("the brokers' log disks are full"); at its end the filler is deleted
//! and any broker that exited is started again with its data, as a pod
//! whose volume was grown would be.
//!
//! What a broker does with a full disk is Kafka's own business, and the
//! note records it: a write that fails takes the log directory offline,
//! and a broker whose every log directory (or whose metadata log
//! directory) is offline halts. The note names the brokers that exited,
//! how long after the fill, and the line of each one's log saying why (or,
//! without such a line, how its logs end).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::cluster_faults::{Shared, blocking};

/// How often the brokers' processes are looked at while the disks are full.
const POLL: Duration = Duration::from_millis(250);
/// The line a broker logs before halting for a failed log directory.
const HALT_LINE: &str = "Shutdown broker because";

/// Fills the brokers' disks until `until_end`, then frees them and
/// restarts the brokers that exited. A cluster started without
/// size-limited disks (this process may not mount) does nothing, and the
/// error says why.
pub async fn run(
    cluster: &Shared,
    until_end: impl std::future::Future<Output = ()>,
) -> Result<String, String> {
    let Some(size_mb) = blocking(cluster, |c| c.broker_disk_mb()).await? else {
        return Err(crate::kafka_cluster::disk::probe().map_or_else(
            |why| format!("not done: {why}"),
            |()| "not done: the cluster was started without size-limited log disks".into(),
        ));
    };
    let filling = Instant::now();
    let filled = blocking(cluster, |c| c.fill_broker_disks())
        .await?
        .map_err(|e| e.to_string())?;
    let fill_s = filling.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut exited: BTreeMap<i32, f64> = BTreeMap::new();
    tokio::pin!(until_end);
    loop {
        tokio::select! {
            () = &mut until_end => break,
            () = tokio::time::sleep(POLL) => {}
        }
        let down = blocking(cluster, |c| c.down_brokers()).await?;
        let at = started.elapsed().as_secs_f64();
        for id in down {
            exited.entry(id).or_insert(at);
        }
    }
    let held_s = started.elapsed().as_secs_f64();
    let back = Instant::now();
    let why = blocking(cluster, move |c| {
        c.free_broker_disks()?;
        let why: Vec<(i32, Result<String, String>)> = c
            .down_brokers()
            .into_iter()
            .map(|id| {
                let halt = c.broker_log_lines(id, HALT_LINE).into_iter().next();
                (id, halt.ok_or_else(|| c.broker_log_tail(id, 2)))
            })
            .collect();
        c.start_stopped_brokers()?;
        Ok::<_, crate::kafka_cluster::KafkaClusterError>(why)
    })
    .await?
    .map_err(|e| e.to_string())?;
    let back_s = back.elapsed().as_secs_f64();
    Ok(describe(
        size_mb, &filled, fill_s, held_s, &exited, &why, back_s,
    ))
}

/// The fault's note.
fn describe(
    size_mb: u32,
    filled: &[(i32, u64)],
    fill_s: f64,
    held_s: f64,
    exited: &BTreeMap<i32, f64>,
    why: &[(i32, Result<String, String>)],
    back_s: f64,
) -> String {
    let filler: Vec<String> = filled
        .iter()
        .map(|(id, bytes)| format!("{id}: {:.0} MiB", *bytes as f64 / f64::from(1u32 << 20)))
        .collect();
    let outcome = if exited.is_empty() {
        "no broker exited while its disk was full".to_owned()
    } else {
        let when: Vec<String> = exited
            .iter()
            .map(|(id, s)| format!("{id} after {s:.1} s"))
            .collect();
        let logged: Vec<String> = why
            .iter()
            .map(|(id, line)| match line {
                Ok(l) => format!("broker {id} logged \"{}\"", l.trim()),
                Err(tail) => format!(
                    "broker {id} logged no \"{HALT_LINE}\" line; its logs end \"{}\"",
                    tail.trim()
                ),
            })
            .collect();
        format!(
            "brokers exited: {}; {}; they were started again with their data",
            when.join(", "),
            logged.join("; ")
        )
    };
    format!(
        "Apache Kafka cluster: every broker's data directory (log and metadata log) is a \
         {size_mb} MiB tmpfs, filled until the kernel refused writes (filler per broker {}, \
         written in {fill_s:.1} s), full for {held_s:.1} s wall, then freed; {outcome}; every broker listed in metadata {back_s:.1} s \
         after the disks were freed",
        filler.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_names_the_exited_brokers_and_why() {
        let exited = BTreeMap::from([(1, 0.4), (3, 0.6)]);
        let why = [
            (
                1,
                Ok("[x] Shutdown broker because all log dirs in /d have failed ".into()),
            ),
            (3, Err("[y] ERROR Error while appending | SIGBUS".into())),
        ];
        let note = describe(
            512,
            &[(1, 500 << 20), (2, 501 << 20)],
            0.5,
            30.0,
            &exited,
            &why,
            12.5,
        );
        assert!(note.contains("512 MiB tmpfs"), "{note}");
        assert!(note.contains("1: 500 MiB, 2: 501 MiB"), "{note}");
        assert!(
            note.contains("brokers exited: 1 after 0.4 s, 3 after 0.6 s"),
            "{note}"
        );
        assert!(note.contains("all log dirs in /d have failed\""), "{note}");
        assert!(note.contains("broker 3 logged no"), "{note}");
        assert!(
            note.contains("end \"[y] ERROR Error while appending | SIGBUS\""),
            "{note}"
        );
        let calm = describe(512, &[], 0.5, 30.0, &BTreeMap::new(), &[], 0.1);
        assert!(calm.contains("no broker exited"), "{calm}");
    }
}
