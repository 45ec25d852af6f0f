//! The stream's entries that the group has not handed to any worker yet
//! (those after its last delivered id), read on the server by Lua scripts
//! so that no worker is handed an entry between a count and what follows.
//!
//! - A fault that removes them (an empty Redis restart deletes the stream,
//!   a `stream_trim` trims its oldest entries) counts each as a failed
//!   detector of its visit, as the simulator counts them
//!   (`sim/src/engine/redis.rs`): nobody will ever process it.
//! - The run's end waits until none is left. It cannot wait for KEDA's lag
//!   to reach 0: after a trim past undelivered entries Redis 7.0 and 7.2
//!   keep reporting them in the group's lag for good (entries-added minus
//!   entries-read; redis/redis#13957, fixed in Redis 8.0), so the lag of a
//!   trimmed stream never drains although nothing is left to read.

use alertsim_core::fanout::DetectorEvent;
use redis::aio::MultiplexedConnection;
use redis::streams::StreamRangeReply;

use super::state::RunState;

/// Sets `last` to the group's last delivered id (KEYS[1] the stream,
/// ARGV[1] the group); `0-0` when the group does not exist, so that every
/// entry counts as unread. The stream must exist.
const GROUP_POSITION: &str = r"
local last = '0-0'
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, delivered
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] end
    if g[i] == 'last-delivered-id' then delivered = g[i + 1] end
  end
  if name == ARGV[1] then last = delivered end
end
";

/// Deletes the stream (and its group); returns the unread entries that
/// went with it (none when the stream does not exist).
const DELETE: &str = r"
local unread = redis.call('XRANGE', KEYS[1], '(' .. last, '+')
redis.call('DEL', KEYS[1])
return unread
";

/// `XTRIM MAXLEN ARGV[2]`; returns the unread entries among those it
/// removes (the oldest `XLEN - maxlen`). IDs compare as (ms, seq) pairs,
/// both exact in Lua's doubles.
const TRIM: &str = r"
local function after(a, b)
  local am, as = string.match(a, '(%d+)-(%d+)')
  local bm, bs = string.match(b, '(%d+)-(%d+)')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
local excess = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[2])
local removed = {}
if excess > 0 then
  for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)) do
    if after(e[1], last) then table.insert(removed, e) end
  end
end
redis.call('XTRIM', KEYS[1], 'MAXLEN', ARGV[2])
return removed
";

/// How many unread entries are left (at most one is looked at: the answer
/// is 0 or 1, which is all the run's end needs).
const ANY_LEFT: &str = r"
return #redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1)
";

/// The script `body` after the group's position, on a stream that may not
/// exist (then it returns an empty reply without running `body`).
fn script(body: &str) -> String {
    format!("if redis.call('EXISTS', KEYS[1]) == 0 then return {{}} end\n{GROUP_POSITION}{body}")
}

/// Runs `body` with the run's stream and group, and `arg` when given.
async fn eval<T: redis::FromRedisValue>(
    conn: &mut MultiplexedConnection,
    state: &RunState,
    body: &str,
    arg: Option<u64>,
) -> Result<T, String> {
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(script(body))
        .arg(1)
        .arg(&state.endpoints.stream)
        .arg(&state.endpoints.group);
    if let Some(arg) = arg {
        cmd.arg(arg);
    }
    cmd.query_async(conn).await.map_err(|e| e.to_string())
}

/// Deletes the run's stream and group; returns how many unread entries
/// went with it (each counted as a failed detector).
pub async fn delete_stream(
    conn: &mut MultiplexedConnection,
    state: &RunState,
) -> Result<u64, String> {
    let removed: StreamRangeReply = eval(conn, state, DELETE, None).await?;
    Ok(count_failed(state, &removed))
}

/// Trims the run's stream to `maxlen` entries; returns how many of the
/// removed entries were unread (each counted as a failed detector).
pub async fn trim_stream(
    conn: &mut MultiplexedConnection,
    state: &RunState,
    maxlen: u64,
) -> Result<u64, String> {
    let removed: StreamRangeReply = eval(conn, state, TRIM, Some(maxlen)).await?;
    Ok(count_failed(state, &removed))
}

/// Whether any entry of the run's stream is still unread by its group.
pub async fn any_unread(
    conn: &mut MultiplexedConnection,
    state: &RunState,
) -> Result<bool, String> {
    // A missing stream answers an empty array: nothing is left.
    let left: redis::Value = eval(conn, state, ANY_LEFT, None).await?;
    Ok(matches!(left, redis::Value::Int(n) if n > 0))
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
