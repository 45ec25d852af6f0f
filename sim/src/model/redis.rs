//! A Redis stream with one consumer group, kept with the same counters Redis
//! 7 keeps (entries-added, max-deleted-entry-id, the group's entries-read and
//! last-delivered ID) so that `XINFO GROUPS` lag is computed exactly as Redis
//! computes it, including the NULL lag after XDEL/XTRIM.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Unbounded};

pub use alertsim_core::worker::EntryId;

use crate::time::SimTime;

/// What a stream entry carries in the simulation: the visit and detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryBody {
    /// Visit index.
    pub visit: u32,
    /// Detector index.
    pub detector: u32,
}

/// An entry delivered to a consumer and not yet acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    /// The consumer (pod) that holds it.
    pub consumer: u32,
    /// When it was last delivered.
    pub delivered_at: SimTime,
    /// Times delivered.
    pub deliveries: u32,
}

/// The reply of `XINFO GROUPS` for the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupInfo {
    /// `lag`: `None` is Redis's NULL (it cannot tell).
    pub lag: Option<u64>,
    /// `entries-read`: `None` when invalid.
    pub entries_read: Option<u64>,
    /// `pending`: entries in the PEL.
    pub pending: u64,
    /// `last-delivered-id`.
    pub last_delivered: EntryId,
}

/// The stream and its consumer group.
#[derive(Debug, Default)]
pub struct RedisStream {
    entries: BTreeMap<EntryId, EntryBody>,
    last_id: EntryId,
    entries_added: u64,
    max_deleted: EntryId,
    group_last_delivered: EntryId,
    group_entries_read: Option<u64>,
    pel: BTreeMap<EntryId, Pending>,
}

impl RedisStream {
    /// `XGROUP CREATE s g $ MKSTREAM` on a new stream.
    pub fn new() -> Self {
        RedisStream {
            group_entries_read: Some(0),
            ..RedisStream::default()
        }
    }

    /// `XADD s * fields...`: returns the new ID. IDs are `<n>-0` for the
    /// n-th entry ever added: Redis's order without a clock.
    pub fn xadd(&mut self, body: EntryBody) -> EntryId {
        self.last_id = EntryId::new(self.last_id.ms + 1, 0);
        self.entries_added += 1;
        self.entries.insert(self.last_id, body);
        self.last_id
    }

    /// The body of an entry still in the stream.
    pub fn body(&self, id: EntryId) -> Option<EntryBody> {
        self.entries.get(&id).copied()
    }

    /// `XLEN`.
    pub fn xlen(&self) -> u64 {
        self.entries.len() as u64
    }

    fn first_id(&self) -> EntryId {
        self.entries.keys().next().copied().unwrap_or(EntryId::ZERO)
    }

    /// `streamRangeHasTombstones(s, start, NULL)` in Redis.
    fn has_tombstones_from(&self, start: EntryId) -> bool {
        if self.entries.is_empty() || self.max_deleted == EntryId::ZERO {
            return false;
        }
        if self.first_id() > self.max_deleted {
            return false;
        }
        start <= self.max_deleted
    }

    /// `streamEstimateDistanceFromFirstEverEntry` in Redis.
    fn estimate_entries_read(&self, id: EntryId) -> Option<u64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if self.entries.is_empty() && id <= self.last_id {
            return Some(self.entries_added);
        }
        if id == self.last_id {
            return Some(self.entries_added);
        }
        if id > self.last_id {
            return None;
        }
        let first = self.first_id();
        if self.max_deleted == EntryId::ZERO || self.max_deleted < first {
            let len = self.xlen();
            if id < first {
                return Some(self.entries_added - len);
            }
            if id == first {
                return Some(self.entries_added - len + 1);
            }
        }
        None
    }

    /// `XINFO GROUPS s`, the group's row.
    pub fn group_info(&self) -> GroupInfo {
        let lag = if self.entries_added == 0 {
            Some(0)
        } else if let Some(read) = self
            .group_entries_read
            .filter(|_| !self.has_tombstones_from(self.group_last_delivered))
        {
            Some(self.entries_added.saturating_sub(read))
        } else {
            self.estimate_entries_read(self.group_last_delivered)
                .map(|read| self.entries_added.saturating_sub(read))
        };
        GroupInfo {
            lag,
            entries_read: self.group_entries_read,
            pending: self.pel.len() as u64,
            last_delivered: self.group_last_delivered,
        }
    }

    /// `XREADGROUP GROUP g consumer COUNT 1 STREAMS s >`: the next
    /// never-delivered entry, now in the consumer's pending list.
    pub fn xreadgroup(&mut self, consumer: u32, now: SimTime) -> Option<(EntryId, EntryBody)> {
        let (&id, &body) = self
            .entries
            .range((Excluded(self.group_last_delivered), Unbounded))
            .next()?;
        // Redis: entries-read advances by one when it is valid and no
        // tombstone lies ahead, otherwise it is re-estimated.
        self.group_entries_read = match self.group_entries_read {
            Some(read) if !self.has_tombstones_from(self.group_last_delivered) => Some(read + 1),
            _ => self.estimate_entries_read(id),
        };
        self.group_last_delivered = id;
        self.pel.insert(
            id,
            Pending {
                consumer,
                delivered_at: now,
                deliveries: 1,
            },
        );
        Some((id, body))
    }

    /// `XACK s g id`: true when the entry was pending.
    pub fn xack(&mut self, id: EntryId) -> bool {
        self.pel.remove(&id).is_some()
    }

    /// `XAUTOCLAIM s g consumer min-idle 0 COUNT 1`: the oldest pending
    /// entry idle for at least `min_idle_us`, now owned by `consumer`.
    /// Entries deleted from the stream are dropped from the PEL, as Redis does.
    pub fn xautoclaim(
        &mut self,
        consumer: u32,
        now: SimTime,
        min_idle_us: u64,
    ) -> Option<(EntryId, EntryBody)> {
        loop {
            let (&id, pending) = self
                .pel
                .iter()
                .find(|(_, p)| now.0.saturating_sub(p.delivered_at.0) >= min_idle_us)?;
            let deliveries = pending.deliveries;
            match self.entries.get(&id).copied() {
                Some(body) => {
                    self.pel.insert(
                        id,
                        Pending {
                            consumer,
                            delivered_at: now,
                            deliveries: deliveries + 1,
                        },
                    );
                    return Some((id, body));
                }
                None => {
                    self.pel.remove(&id);
                }
            }
        }
    }

    /// `XDEL s id`.
    pub fn xdel(&mut self, id: EntryId) -> bool {
        let removed = self.entries.remove(&id).is_some();
        if removed && id > self.max_deleted {
            self.max_deleted = id;
        }
        removed
    }

    /// `XTRIM s MAXLEN n`: removes the oldest entries beyond `maxlen`;
    /// returns the removed entries that had never been delivered (their
    /// detectors will never be processed).
    pub fn xtrim_maxlen(&mut self, maxlen: u64) -> Vec<EntryBody> {
        let mut never_delivered = Vec::new();
        while self.xlen() > maxlen {
            let Some((id, body)) = self.entries.pop_first() else {
                break;
            };
            if id > self.max_deleted {
                self.max_deleted = id;
            }
            if id > self.group_last_delivered {
                never_delivered.push(body);
            }
        }
        never_delivered
    }

    /// Redis restarted without its data: the stream and the group are
    /// created again, empty (`XGROUP CREATE s g $ MKSTREAM`). IDs keep
    /// growing (Redis IDs are timestamps), so an `XACK` of an old ID acks
    /// nothing. Returns the entries that had never been delivered (their
    /// detectors will never be processed); the pending list is dropped.
    pub fn restart_empty(&mut self) -> Vec<EntryBody> {
        let never_delivered = self
            .entries
            .range((Excluded(self.group_last_delivered), Unbounded))
            .map(|(_, body)| *body)
            .collect();
        *self = RedisStream {
            last_id: self.last_id,
            group_last_delivered: self.last_id,
            ..RedisStream::new()
        };
        never_delivered
    }

    /// Entries delivered and not acknowledged, oldest first, with the
    /// consumer that holds each.
    pub fn pending_entries(&self) -> impl Iterator<Item = (EntryId, u32, Option<EntryBody>)> + '_ {
        self.pel
            .iter()
            .map(|(id, p)| (*id, p.consumer, self.entries.get(id).copied()))
    }

    /// Entries in the pending list.
    pub fn pending_count(&self) -> u64 {
        self.pel.len() as u64
    }

    /// Entries delivered to nobody yet (what a fresh reader with `>` would get).
    pub fn undelivered(&self) -> u64 {
        self.entries
            .range((Excluded(self.group_last_delivered), Unbounded))
            .count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(d: u32) -> EntryBody {
        EntryBody {
            visit: 0,
            detector: d,
        }
    }

    #[test]
    fn lag_counts_undelivered_entries() {
        let mut s = RedisStream::new();
        assert_eq!(s.group_info().lag, Some(0));
        for d in 0..5 {
            s.xadd(body(d));
        }
        assert_eq!(s.group_info().lag, Some(5));
        let (id, _) = s.xreadgroup(1, SimTime(0)).unwrap();
        assert_eq!(s.group_info().lag, Some(4));
        assert_eq!(s.group_info().pending, 1);
        assert!(s.xack(id));
        assert_eq!(s.group_info().pending, 0);
        assert_eq!(s.group_info().lag, Some(4), "acks do not change lag");
    }

    #[test]
    fn trimming_leaves_the_counter_based_lag_overstated() {
        let mut s = RedisStream::new();
        for d in 0..10 {
            s.xadd(body(d));
        }
        s.xreadgroup(1, SimTime(0));
        s.xreadgroup(1, SimTime(0));
        // MAXLEN 3 removes entries 1..=7, two of them never delivered:
        // Redis still answers entries-added - entries-read (redis #13337).
        assert_eq!(
            s.xtrim_maxlen(3).len(),
            5,
            "entries 3..=7 were never delivered"
        );
        assert_eq!(s.undelivered(), 3);
        assert_eq!(s.group_info().lag, Some(8));
        s.xreadgroup(1, SimTime(0));
        assert_eq!(s.group_info().lag, Some(7));
    }

    #[test]
    fn trimming_a_group_with_invalid_entries_read_gives_null_or_estimate() {
        let mut s = RedisStream::new();
        let ids: Vec<_> = (0..6).map(|d| s.xadd(body(d))).collect();
        s.xdel(ids[1]);
        s.xreadgroup(1, SimTime(0));
        // A tombstone ahead of the group's position: NULL.
        assert_eq!(s.group_info().lag, None);
        s.xtrim_maxlen(2);
        // The group is now before the first entry and no tombstone lies
        // after it: Redis estimates entries-read = added - length.
        assert_eq!(s.group_info().lag, Some(2));
    }

    #[test]
    fn deleting_an_undelivered_entry_overstates_nothing_once_read_past() {
        let mut s = RedisStream::new();
        let ids: Vec<_> = (0..4).map(|d| s.xadd(body(d))).collect();
        s.xdel(ids[2]);
        // A tombstone ahead of the group: NULL lag, as in Redis.
        assert_eq!(s.group_info().lag, None);
        assert_eq!(s.undelivered(), 3);
        for _ in 0..3 {
            s.xreadgroup(1, SimTime(0));
        }
        assert_eq!(s.group_info().lag, Some(0));
        assert!(s.xreadgroup(1, SimTime(0)).is_none());
    }

    #[test]
    fn autoclaim_takes_over_idle_pending_entries() {
        let mut s = RedisStream::new();
        s.xadd(body(0));
        let (id, _) = s.xreadgroup(1, SimTime(0)).unwrap();
        assert!(s.xautoclaim(2, SimTime(10), 100).is_none());
        let (claimed, _) = s.xautoclaim(2, SimTime(200), 100).unwrap();
        assert_eq!(claimed, id);
    }
}
