//! Entries a fault removes from the stream before any worker was handed
//! them (an empty Redis restart): their detectors are never
//! processed, so each counts as a failed detector of its visit, as the
//! simulator counts them (`sim/src/engine/redis.rs`). The deletion is one
//! Lua script that reads what it removes and removes it, atomic on the
//! server, so no worker is handed an entry between the count and the
//! removal.

use alertsim_core::fanout::DetectorEvent;
use redis::aio::MultiplexedConnection;
use redis::streams::StreamRangeReply;

use super::state::RunState;

/// KEYS[1] the stream, ARGV[1] the group: deletes the stream (and its
/// group) and returns the entries the group had not been handed (those
/// after its last delivered id; all of them when the group does not
/// exist; none when the stream does not).
const DELETE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local last = '0-0'
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, delivered
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] end
    if g[i] == 'last-delivered-id' then delivered = g[i + 1] end
  end
  if name == ARGV[1] then last = delivered end
end
local waiting = redis.call('XRANGE', KEYS[1], '(' .. last, '+')
redis.call('DEL', KEYS[1])
return waiting
";

/// Deletes the run's stream and group; returns how many waiting entries
/// went with it (each counted as a failed detector).
pub async fn delete_stream(
    conn: &mut MultiplexedConnection,
    state: &RunState,
) -> Result<u64, String> {
    let waiting: StreamRangeReply = redis::cmd("EVAL")
        .arg(DELETE)
        .arg(1)
        .arg(&state.endpoints.stream)
        .arg(&state.endpoints.group)
        .query_async(conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok(count_failed(state, &waiting))
}

/// Counts each entry of a planned visit as a failed detector of it.
fn count_failed(state: &RunState, entries: &StreamRangeReply) -> u64 {
    let mut failed = 0;
    for entry in &entries.ids {
        let mut pairs = Vec::with_capacity(entry.map.len());
        for (field, value) in &entry.map {
            if let Ok(text) = redis::from_redis_value_ref::<String>(value) {
                pairs.push((field.as_str(), text));
            }
        }
        let Ok(event) = DetectorEvent::from_fields(&pairs) else {
            continue;
        };
        if let Some(visit) = state.plan.by_group(&event.visit.group_id) {
            state.recorder().detector_failed(visit.index);
            failed += 1;
        }
    }
    failed
}
