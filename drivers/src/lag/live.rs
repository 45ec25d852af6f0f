//! Reading the trigger's metric from a live Redis over an async connection,
//! command by command as KEDA does, with the replies interpreted by the
//! sans-IO functions of `alertsim_core::scaler::lag`.

use alertsim_core::scaler::lag::{
    LagError, MetricBasis, MetricReading, MetricSource, StreamQuery, check_server_version,
    lag_of_group,
};
use redis::Value;
use redis::aio::ConnectionLike;

use super::{ReadError, reply};

/// Reads the metric once. In lag mode this runs `INFO server` (version
/// check, every poll like KEDA), `XINFO GROUPS`, and `XLEN` when the group
/// is absent; in pending mode `XPENDING`; otherwise `XLEN`.
pub async fn read_metric<C>(conn: &mut C, query: &StreamQuery) -> Result<MetricReading, ReadError>
where
    C: ConnectionLike + Send,
{
    match &query.source {
        MetricSource::GroupLag { group } => {
            let info: Value = redis::cmd("INFO").arg("server").query_async(conn).await?;
            let info = reply::text(&info).ok_or_else(|| LagError::Malformed {
                command: "INFO",
                detail: "not a string".into(),
            })?;
            check_server_version(&info)?;
            let groups: Value = match redis::cmd("XINFO")
                .arg("GROUPS")
                .arg(&query.stream)
                .query_async(conn)
                .await
            {
                Ok(v) => v,
                Err(err) if is_no_such_key(&err) => {
                    return Ok(MetricReading {
                        value: 0,
                        basis: MetricBasis::NoStream,
                    });
                }
                Err(err) => return Err(err.into()),
            };
            let groups = reply::xinfo_groups(&groups)?;
            if let Some(reading) = lag_of_group(&groups, group, query.null_lag) {
                return Ok(reading);
            }
            let length = xlen(conn, &query.stream).await?;
            Ok(MetricReading {
                value: length,
                basis: MetricBasis::NoGroupLength,
            })
        }
        MetricSource::Pending { group } => {
            let summary: Value = match redis::cmd("XPENDING")
                .arg(&query.stream)
                .arg(group)
                .query_async(conn)
                .await
            {
                Ok(v) => v,
                Err(err) if err.code() == Some("NOGROUP") => {
                    return Err(ReadError::Metric(LagError::NoGroup {
                        stream: query.stream.clone(),
                        group: group.clone(),
                    }));
                }
                Err(err) => return Err(err.into()),
            };
            let count = reply::xpending_count(&summary)?;
            Ok(MetricReading {
                value: i64::try_from(count).unwrap_or(i64::MAX),
                basis: MetricBasis::Pending,
            })
        }
        MetricSource::Length => Ok(MetricReading {
            value: xlen(conn, &query.stream).await?,
            basis: MetricBasis::Length,
        }),
    }
}

async fn xlen<C: ConnectionLike + Send>(conn: &mut C, stream: &str) -> Result<i64, ReadError> {
    Ok(redis::cmd("XLEN").arg(stream).query_async(conn).await?)
}

/// `XINFO GROUPS` on a missing key answers `ERR no such key`.
fn is_no_such_key(err: &redis::RedisError) -> bool {
    err.to_string().to_ascii_lowercase().contains("no such key")
}
