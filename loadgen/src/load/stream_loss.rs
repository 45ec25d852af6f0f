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

/// The group's last delivered id (`0-0` when the group does not exist;
/// nothing when the stream does not).
const LAST_DELIVERED: &str = r"
local function last_delivered(stream, group)
  if redis.call('EXISTS', stream) == 0 then return nil end
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local name, last
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i + 1] end
      if g[i] == 'last-delivered-id' then last = g[i + 1] end
    end
    if name == group then return last end
  end
  return '0-0'
end
";

/// KEYS[1] the stream, ARGV[1] the group: deletes the stream (and its
/// group) and returns the entries the group had not been handed.
const DELETE: &str = r"
local last = last_delivered(KEYS[1], ARGV[1])
if not last then return {} end
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
    let waiting = eval(conn, state, DELETE).await?;
    Ok(count_failed(state, &waiting))
}

async fn eval(
    conn: &mut MultiplexedConnection,
    state: &RunState,
    body: &str,
) -> Result<StreamRangeReply, String> {
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(format!("{LAST_DELIVERED}{body}"))
        .arg(1)
        .arg(&state.endpoints.stream)
        .arg(&state.endpoints.group);
    cmd.query_async(conn).await.map_err(|e| e.to_string())
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
