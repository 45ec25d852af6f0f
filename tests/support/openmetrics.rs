//! Reading OpenMetrics text as the CLI tests check it: a strict line check
//! of the exposition (every line a `# HELP`, `# TYPE` or `# UNIT` of the
//! current family, one of its samples, or the final `# EOF`; families not
//! repeated; sample names, labels, values and timestamps well formed), and
//! a plain HTTP/1.1 GET for scraping an endpoint.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The sample's name (`alertsim_alerts_handed_total`).
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its value.
    pub value: f64,
    /// Its timestamp, seconds, when it has one.
    pub timestamp: Option<f64>,
}

/// Checks `text` line by line; its samples in order, or what is wrong
/// (with the line number).
pub fn parse(text: &str) -> Result<Vec<Sample>, String> {
    if !text.ends_with("# EOF\n") {
        return Err("the exposition does not end with `# EOF` and a line feed".into());
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut samples = Vec::new();
    let mut seen = BTreeSet::new();
    let mut family: Option<(String, String)> = None;
    for (i, line) in lines.iter().enumerate() {
        let at = |m: String| format!("line {}: {m}: {line:?}", i + 1);
        if *line == "# EOF" {
            if i + 1 != lines.len() {
                return Err(at("`# EOF` before the end".into()));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let value = parts.next().unwrap_or("");
            if !is_name(name) {
                return Err(at(format!("bad metric name {name:?}")));
            }
            match kind {
                "TYPE" => {
                    let known = [
                        "counter",
                        "gauge",
                        "histogram",
                        "gaugehistogram",
                        "summary",
                        "info",
                        "stateset",
                        "unknown",
                    ];
                    if !known.contains(&value) {
                        return Err(at(format!("unknown type {value:?}")));
                    }
                    if family.as_ref().is_some_and(|(f, _)| f == name) {
                        family = Some((name.to_owned(), value.to_owned()));
                        continue;
                    }
                }
                "HELP" | "UNIT" => {
                    if family.as_ref().is_some_and(|(f, _)| f == name) {
                        continue;
                    }
                }
                other => return Err(at(format!("unknown descriptor {other:?}"))),
            }
            if !seen.insert(name.to_owned()) {
                return Err(at(format!("family {name} appears twice")));
            }
            family = Some((
                name.to_owned(),
                if kind == "TYPE" { value } else { "unknown" }.to_owned(),
            ));
            continue;
        }
        let sample = sample(line).map_err(at)?;
        let Some((name, kind)) = &family else {
            return Err(at("a sample before any family".into()));
        };
        let suffixes: &[&str] = match kind.as_str() {
            "counter" => &["_total", "_created"],
            "histogram" => &["_bucket", "_count", "_sum", "_created"],
            _ => &[""],
        };
        if !suffixes.iter().any(|s| sample.name == format!("{name}{s}")) {
            return Err(at(format!(
                "sample {} is not of family {name} ({kind})",
                sample.name
            )));
        }
        samples.push(sample);
    }
    Ok(samples)
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn number(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ if text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') => {
            text.parse().map_err(|_| format!("bad number {text:?}"))
        }
        _ => Err(format!("bad number {text:?}")),
    }
}

/// `name{labels} value [timestamp]`.
fn sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or_else(|| "a sample without a value".to_owned())?;
    let name = &line[..name_end];
    if !is_name(name) {
        return Err(format!("bad sample name {name:?}"));
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(body) = rest.strip_prefix('{') {
        rest = label_set(body, &mut labels)?;
    }
    let rest = rest.strip_prefix(' ').ok_or("no space before the value")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let (value, timestamp) = match parts.as_slice() {
        [v] => (number(v)?, None),
        [v, t] => (number(v)?, Some(number(t)?)),
        _ => return Err("more than a value and a timestamp".into()),
    };
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
        timestamp,
    })
}

/// Reads `k="v",...}` (after the `{`) into `labels`; what follows the `}`.
fn label_set<'a>(body: &'a str, labels: &mut BTreeMap<String, String>) -> Result<&'a str, String> {
    let mut s = body;
    loop {
        if let Some(after) = s.strip_prefix('}') {
            return Ok(after);
        }
        let eq = s.find("=\"").ok_or("a label without =\"")?;
        let key = &s[..eq];
        if !is_name(key) || key.contains(':') {
            return Err(format!("bad label name {key:?}"));
        }
        let mut value = String::new();
        let mut chars = s[eq + 2..].char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c @ ('\\' | '"'))) => value.push(c),
                    _ => return Err("bad escape in a label value".into()),
                },
                Some((i, '"')) => break eq + 2 + i + 1,
                Some((_, c)) => value.push(c),
                None => return Err("label value not closed".into()),
            }
        };
        if labels.insert(key.to_owned(), value).is_some() {
            return Err(format!("label {key} twice"));
        }
        s = &s[end..];
        if let Some(after) = s.strip_prefix(',') {
            s = after;
        } else if !s.starts_with('}') {
            return Err("labels not separated by commas".into());
        }
    }
}

/// The samples named `name`.
pub fn named<'a>(samples: &'a [Sample], name: &str) -> Vec<&'a Sample> {
    samples.iter().filter(|s| s.name == name).collect()
}

/// The one sample named `name` (with any labels); panics if absent.
pub fn value(samples: &[Sample], name: &str) -> f64 {
    named(samples, name)
        .first()
        .map(|s| s.value)
        .unwrap_or_else(|| panic!("no sample {name}"))
}

/// GETs `http://{addr}{path}` (HTTP/1.1, connection closed after); the
/// head (status line and headers) and the body.
pub fn get(addr: &str, path: &str) -> std::io::Result<(String, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    Ok((head.to_owned(), body.to_owned()))
}

#[test]
fn the_line_check_refuses_what_is_not_openmetrics() {
    let good = "# HELP a_total x.\n# TYPE a counter\na_total{k=\"v \\\"q\\\"\"} 3\n# TYPE g gauge\ng 1.5 100.25\n# EOF\n";
    let samples = parse(good).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].labels["k"], "v \"q\"");
    assert_eq!(samples[1].timestamp, Some(100.25));
    for bad in [
        "# TYPE g gauge\ng 1\n",                                   // no EOF
        "# TYPE g gauge\ng 1\n# EOF\ng 2\n# EOF\n",                // EOF early
        "# TYPE g gauge\nh 1\n# EOF\n",                            // not of its family
        "# TYPE g gauge\ng{k=v} 1\n# EOF\n",                       // label unquoted
        "# TYPE g gauge\ng one\n# EOF\n",                          // value
        "# TYPE g gauge\n# TYPE h gauge\n# TYPE g gauge\n# EOF\n", // family twice
        "# TYPE a counter\na 1\n# EOF\n",                          // counter sample without _total
    ] {
        assert!(parse(bad).is_err(), "accepted {bad:?}");
    }
}
