//! The Brokers section of report.md and report.html, from report.json's
//! `capacity` (`metrics::capacity`): what went into and out of the Kafka
//! brokers in all, and per broker its inbound mean and peak and outbound
//! mean rates against its bandwidth, the headroom left at the inbound peak
//! and the bytes it wrote to disk; on report.html a bar chart of those
//! rates with the bandwidth as a limit line; then the disk at the topic's
//! retention. Every per-broker figure is read through [`broker_loads`].

use std::fmt::Write as _;

use plotters::style::RGBColor;

use crate::chart::bars::{BarFrame, Bars, bar_chart};
use crate::chart::figure;
use crate::human;
use crate::metrics::capacity::Capacity;
use crate::output::figures;
use crate::output::files::ReportError;
use crate::output::tables::{escape, html_table, markdown_table};
use crate::report::Report;

/// The limit line is left off the chart (and named in its caption) when it
/// is more than this many times the highest bar: the bars would be too
/// low to read.
const LIMIT_OFF_SCALE: f64 = 5.0;

/// The table's columns.
const HEADERS: [&str; 7] = [
    "broker",
    "in mean",
    "in peak",
    "out mean",
    "bandwidth",
    "headroom at the peak",
    "written to disk",
];

/// One broker's figures as the table and the chart show them.
#[derive(Debug, Clone, PartialEq)]
struct BrokerLoad {
    /// Its row's and bar group's name.
    label: String,
    /// Inbound (producers and replication), mean over the run, Mbit/s.
    in_mean_mbit_per_s: f64,
    /// Inbound in the producers' busiest sampling interval, Mbit/s.
    in_peak_mbit_per_s: f64,
    /// Outbound (replication and readers), mean over the run, Mbit/s.
    out_mean_mbit_per_s: f64,
    /// Its network bandwidth, Mbit/s.
    bandwidth_mbit_per_s: f64,
    /// Share of the bandwidth left at the inbound peak.
    headroom: f64,
    /// Bytes it wrote to disk.
    disk_bytes: u64,
}

/// The brokers the section shows: the only place it reads `capacity`'s
/// per-broker figures. One entry per broker id (`capacity.per_broker`), the
/// busiest marked; a report written before per-broker figures existed has
/// one entry, "each of N", from the even spread.
fn broker_loads(c: &Capacity) -> Vec<BrokerLoad> {
    if c.per_broker.is_empty() {
        return vec![BrokerLoad {
            label: format!(
                "each of {} (the load spread evenly)",
                human::count(u64::from(c.brokers))
            ),
            in_mean_mbit_per_s: c.broker_ingress_mean_mbit_per_s,
            in_peak_mbit_per_s: c.broker_ingress_peak_mbit_per_s,
            out_mean_mbit_per_s: c.broker_egress_mean_mbit_per_s,
            bandwidth_mbit_per_s: c.broker_bandwidth_mbit_per_s,
            headroom: c.ingress_headroom,
            disk_bytes: c.broker_disk_bytes,
        }];
    }
    c.per_broker
        .iter()
        .map(|b| BrokerLoad {
            label: if b.broker == c.busiest_broker.broker {
                format!("{} (busiest)", b.broker)
            } else {
                b.broker.to_string()
            },
            in_mean_mbit_per_s: b.in_mean_mbit_per_s,
            in_peak_mbit_per_s: b.in_peak_mbit_per_s,
            out_mean_mbit_per_s: b.out_mean_mbit_per_s,
            bandwidth_mbit_per_s: c.broker_bandwidth_mbit_per_s,
            headroom: b.in_headroom,
            disk_bytes: b.disk_bytes,
        })
        .collect()
}

/// The sentence of totals above the table.
fn totals(c: &Capacity) -> String {
    format!(
        "The Kafka brokers took in {} from the producers, copied {} between them (replication) and sent {} to the readers: egress {}× the ingress. Per broker:",
        human::bytes(c.ingress_bytes as f64),
        human::bytes(c.replication_bytes as f64),
        human::bytes(c.readers_bytes as f64),
        human::number(c.egress_over_ingress),
    )
}

/// The sentence on the disk at retention below the table (none in reports
/// written before it).
fn disk(r: &Report) -> Option<String> {
    (r.capacity.disk.size_bytes > 0)
        .then(|| format!("Disk at retention: {}.", figures::disk_at_retention(r)))
}

fn rows(c: &Capacity) -> impl Iterator<Item = Vec<String>> {
    broker_loads(c).into_iter().map(|b| {
        vec![
            b.label,
            human::mbit_per_s(b.in_mean_mbit_per_s),
            human::mbit_per_s(b.in_peak_mbit_per_s),
            human::mbit_per_s(b.out_mean_mbit_per_s),
            human::mbit_per_s(b.bandwidth_mbit_per_s),
            human::percent(b.headroom),
            human::bytes(b.disk_bytes as f64),
        ]
    })
}

/// A report from before `capacity` existed has no brokers: no section.
fn shown(r: &Report) -> bool {
    r.capacity.brokers > 0
}

/// report.md's Brokers section.
pub(crate) fn markdown(r: &Report) -> String {
    let mut s = String::new();
    if !shown(r) {
        return s;
    }
    let _ = writeln!(s, "\n## Brokers\n\n{}\n", totals(&r.capacity));
    markdown_table(&mut s, &HEADERS, rows(&r.capacity));
    if let Some(d) = disk(r) {
        let _ = writeln!(s, "\n{d}");
    }
    s
}

/// report.html's Brokers section: the table and the chart.
pub(crate) fn html(r: &Report) -> Result<String, ReportError> {
    let mut h = String::new();
    if !shown(r) {
        return Ok(h);
    }
    let _ = writeln!(
        h,
        "<h2>Brokers</h2>\n<p>{}</p>",
        escape(&totals(&r.capacity))
    );
    html_table(&mut h, &HEADERS, rows(&r.capacity));
    if let Some(d) = disk(r) {
        let _ = writeln!(h, "<p>{}</p>", escape(&d));
    }
    match chart(&r.capacity)? {
        Some(svg) => h.push_str(&figure("brokers", &svg)),
        None => h.push_str("<p>Nothing went through the brokers: no chart.</p>\n"),
    }
    Ok(h)
}

/// Per broker its inbound mean and peak and outbound mean, Mbit/s, and its
/// bandwidth as a limit; `None` when no rate is above zero.
fn chart(c: &Capacity) -> Result<Option<String>, ReportError> {
    let loads = broker_loads(c);
    let pick = |f: fn(&BrokerLoad) -> f64| -> Vec<f64> { loads.iter().map(f).collect() };
    let series = [
        Bars {
            name: "in, mean",
            colour: RGBColor(31, 119, 180),
            values: pick(|b| b.in_mean_mbit_per_s),
            right_axis: false,
            show: human::mbit_per_s,
        },
        Bars {
            name: "in, peak",
            colour: RGBColor(148, 103, 189),
            values: pick(|b| b.in_peak_mbit_per_s),
            right_axis: false,
            show: human::mbit_per_s,
        },
        Bars {
            name: "out, mean",
            colour: RGBColor(255, 127, 14),
            values: pick(|b| b.out_mean_mbit_per_s),
            right_axis: false,
            show: human::mbit_per_s,
        },
    ];
    let highest = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    if highest <= 0.0 {
        return Ok(None);
    }
    let bandwidth = loads
        .iter()
        .map(|b| b.bandwidth_mbit_per_s)
        .fold(0.0, f64::max);
    let limit_text = format!("bandwidth {}", human::mbit_per_s(bandwidth));
    let on_scale = bandwidth > 0.0 && bandwidth <= highest * LIMIT_OFF_SCALE;
    let title = if on_scale || bandwidth <= 0.0 {
        "Network per broker".to_owned()
    } else {
        format!("Network per broker (its {limit_text} is off the scale)")
    };
    let groups: Vec<String> = loads.iter().map(|b| b.label.clone()).collect();
    let svg = bar_chart(
        &BarFrame {
            id: "brokers",
            title: &title,
            y_desc: "bit/s",
            y_label: human::mbit_per_s,
            log_y: false,
            y2_desc: "",
            limit: on_scale.then_some((limit_text.as_str(), bandwidth)),
        },
        &groups,
        &series,
    )?;
    Ok(Some(svg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capacity(bandwidth: f64) -> Capacity {
        Capacity {
            brokers: 5,
            ingress_bytes: 1_000_000,
            replication_bytes: 2_000_000,
            readers_bytes: 9_500_000,
            egress_over_ingress: 11.5,
            broker_ingress_mean_mbit_per_s: 12.345,
            broker_ingress_peak_mbit_per_s: 40.0,
            broker_egress_mean_mbit_per_s: 55.5,
            broker_bandwidth_mbit_per_s: bandwidth,
            ingress_headroom: 0.6,
            broker_disk_bytes: 600_000,
            ..Capacity::default()
        }
    }

    /// Two brokers placed apart, the second the busier: a row and a bar
    /// group each, the busiest named.
    #[test]
    fn one_row_per_broker_with_the_busiest_marked() {
        use crate::metrics::capacity::{BrokerCapacity, Busiest};
        let broker = |id: u32, mbit: f64| BrokerCapacity {
            broker: id,
            in_mean_mbit_per_s: mbit,
            in_peak_mbit_per_s: 2.0 * mbit,
            out_mean_mbit_per_s: 3.0 * mbit,
            in_headroom: 0.5,
            disk_bytes: 1_000,
            ..BrokerCapacity::default()
        };
        let c = Capacity {
            per_broker: vec![broker(0, 10.0), broker(1, 20.0)],
            busiest_broker: Busiest {
                broker: 1,
                ..Busiest::default()
            },
            ..capacity(100.0)
        };
        let labels: Vec<String> = broker_loads(&c).into_iter().map(|b| b.label).collect();
        assert_eq!(labels, ["0", "1 (busiest)"]);
        let row: Vec<Vec<String>> = rows(&c).collect();
        assert_eq!(row[1][1..4], ["20 Mbit/s", "40 Mbit/s", "60 Mbit/s"]);
        let svg = chart(&c).ok().flatten().unwrap_or_default();
        assert_eq!(svg.matches("<rect class=\"series\"").count(), 6, "{svg}");
    }

    #[test]
    fn a_report_without_per_broker_figures_has_one_row_for_every_broker_alike() {
        let loads = broker_loads(&capacity(100.0));
        assert_eq!(loads.len(), 1);
        assert_eq!(loads[0].label, "each of 5 (the load spread evenly)");
        let row: Vec<Vec<String>> = rows(&capacity(100.0)).collect();
        assert_eq!(
            row[0],
            [
                "each of 5 (the load spread evenly)",
                "12.3 Mbit/s",
                "40 Mbit/s",
                "55.5 Mbit/s",
                "100 Mbit/s",
                "60%",
                "600 kB"
            ]
        );
        assert!(totals(&capacity(100.0)).contains("egress 11.5× the ingress"));
    }

    #[test]
    fn the_chart_draws_the_rates_and_the_limit_when_on_scale() {
        let svg = chart(&capacity(100.0)).ok().flatten().unwrap_or_default();
        assert_eq!(svg.matches("<rect class=\"series\"").count(), 3, "{svg}");
        assert!(svg.contains("bandwidth 100 Mbit/s"), "{svg}");
        assert!(!svg.contains("off the scale"), "{svg}");
        let far = chart(&capacity(300.0)).ok().flatten().unwrap_or_default();
        assert!(far.contains("off the scale"), "{far}");
        let mut idle = capacity(100.0);
        idle.broker_ingress_mean_mbit_per_s = 0.0;
        idle.broker_ingress_peak_mbit_per_s = 0.0;
        idle.broker_egress_mean_mbit_per_s = 0.0;
        assert!(chart(&idle).ok().flatten().is_none());
    }
}
