//! Apache Kafka 4.1.0's class path, fetched once from Maven Central into
//! `~/.cache/alertsim/kafka-4.1.0/libs` (or `$ALERTSIM_CACHE/kafka-4.1.0`)
//! with `mvn dependency:copy-dependencies`, and checked jar by jar against
//! the names and SHA-256 sums pinned in `kafka-4.1.0.sha256`. A lock file
//! keeps concurrent test binaries from fetching twice; a fetch goes to a
//! staging directory that is renamed into place only once it checks out.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

/// The Kafka release the launcher runs.
pub const KAFKA_VERSION: &str = "4.1.0";
/// The Maven project whose runtime dependencies are the broker's class path.
const POM: &str = include_str!("kafka-4.1.0.pom.xml");
/// `SHA-256  jar-name` lines, one per jar of the class path.
const PINNED: &str = include_str!("kafka-4.1.0.sha256");
/// The plugin goal, version pinned so the fetch does not depend on Maven's defaults.
const COPY_GOAL: &str = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies";
/// The environment variable that moves the cache away from `~/.cache/alertsim`.
pub const CACHE_ENV: &str = "ALERTSIM_CACHE";

/// Why the Kafka class path could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum DistError {
    /// Neither `ALERTSIM_CACHE` nor `HOME` is set.
    #[error("no cache directory: set {CACHE_ENV} or HOME")]
    NoCacheDir,
    /// Maven is not installed.
    #[error(
        "`mvn` was not found on PATH; install Maven (Debian package `maven`) to fetch \
         Apache Kafka {KAFKA_VERSION} from Maven Central"
    )]
    NoMaven,
    /// A file or directory of the cache could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// `mvn` failed.
    #[error(
        "mvn failed ({status}) fetching Apache Kafka {KAFKA_VERSION}; the end of {log}: {tail}"
    )]
    Maven {
        /// Its exit status.
        status: std::process::ExitStatus,
        /// Its log file.
        log: PathBuf,
        /// The last lines of the log.
        tail: String,
    },
    /// The fetched jars are not the pinned ones.
    #[error(
        "{dir}: the jars do not match kafka-4.1.0.sha256 (missing: {missing:?}; \
         unexpected: {unexpected:?}; wrong SHA-256: {mismatched:?})"
    )]
    Mismatch {
        /// The libs directory checked.
        dir: PathBuf,
        /// Pinned jars that are absent.
        missing: Vec<String>,
        /// Jars present but not pinned.
        unexpected: Vec<String>,
        /// Jars whose content differs from the pin.
        mismatched: Vec<String>,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DistError + '_ {
    move |source| DistError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A checked Kafka class path on disk.
#[derive(Debug, Clone)]
pub struct KafkaDist {
    libs: PathBuf,
    fetched: bool,
}

impl KafkaDist {
    /// The class path in the default cache, fetched if it is not there (or
    /// does not match the pins).
    pub fn ensure() -> Result<Self, DistError> {
        Self::ensure_in(&cache_root()?)
    }

    /// The class path under `cache_root/kafka-4.1.0`, fetched if needed.
    pub fn ensure_in(cache_root: &Path) -> Result<Self, DistError> {
        std::fs::create_dir_all(cache_root).map_err(io(cache_root))?;
        let lock_path = cache_root.join(format!("kafka-{KAFKA_VERSION}.lock"));
        let lock = File::create(&lock_path).map_err(io(&lock_path))?;
        lock.lock().map_err(io(&lock_path))?;
        let home = cache_root.join(format!("kafka-{KAFKA_VERSION}"));
        let libs = home.join("libs");
        if libs.is_dir() && verify(&libs).is_ok() {
            return Ok(KafkaDist {
                libs,
                fetched: false,
            });
        }
        let staging = cache_root.join(format!("kafka-{KAFKA_VERSION}.partial"));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
        }
        std::fs::create_dir_all(&staging).map_err(io(&staging))?;
        fetch(cache_root, &staging)?;
        verify(&staging.join("libs"))?;
        if home.exists() {
            std::fs::remove_dir_all(&home).map_err(io(&home))?;
        }
        std::fs::rename(&staging, &home).map_err(io(&home))?;
        Ok(KafkaDist {
            libs,
            fetched: true,
        })
    }

    /// The directory of jars.
    pub fn libs(&self) -> &Path {
        &self.libs
    }

    /// The `-cp` argument for `java` (a class-path wildcard).
    pub fn class_path(&self) -> String {
        format!("{}/*", self.libs.display())
    }

    /// Whether this call fetched the jars (false: they were cached).
    pub fn was_fetched(&self) -> bool {
        self.fetched
    }
}

/// `$ALERTSIM_CACHE`, else `$HOME/.cache/alertsim`.
pub fn cache_root() -> Result<PathBuf, DistError> {
    if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|home| PathBuf::from(home).join(".cache").join("alertsim"))
        .ok_or(DistError::NoCacheDir)
}

/// Runs `mvn` on the pinned pom: the jars land in `staging/libs`, Maven's
/// own repository in `cache_root/m2` (so a re-fetch is local).
fn fetch(cache_root: &Path, staging: &Path) -> Result<(), DistError> {
    let pom = staging.join("pom.xml");
    std::fs::write(&pom, POM).map_err(io(&pom))?;
    let log = staging.join("mvn.log");
    let log_file = File::create(&log).map_err(io(&log))?;
    let err_file = log_file.try_clone().map_err(io(&log))?;
    let status = Command::new("mvn")
        .arg("-B")
        .arg("-f")
        .arg(&pom)
        .arg(format!(
            "-Dmaven.repo.local={}",
            cache_root.join("m2").display()
        ))
        .arg(COPY_GOAL)
        .arg("-DincludeScope=runtime")
        .arg(format!(
            "-DoutputDirectory={}",
            staging.join("libs").display()
        ))
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(err_file)
        .status()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => DistError::NoMaven,
            _ => DistError::Io {
                path: PathBuf::from("mvn"),
                source: e,
            },
        })?;
    if status.success() {
        return Ok(());
    }
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(8)..].join(" | ");
    Err(DistError::Maven { status, log, tail })
}

/// The pinned `name -> sha256` map.
fn pins() -> BTreeMap<&'static str, &'static str> {
    PINNED
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.nth(1)?, line.split_whitespace().next()?))
        })
        .collect()
}

/// Checks that `libs` holds exactly the pinned jars with the pinned sums.
fn verify(libs: &Path) -> Result<(), DistError> {
    let pins = pins();
    let mut present = BTreeMap::new();
    for entry in std::fs::read_dir(libs).map_err(io(libs))? {
        let entry = entry.map_err(io(libs))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".jar") {
            present.insert(name, entry.path());
        }
    }
    let missing: Vec<String> = pins
        .keys()
        .filter(|n| !present.contains_key(**n))
        .map(|n| (*n).to_owned())
        .collect();
    let unexpected: Vec<String> = present
        .keys()
        .filter(|n| !pins.contains_key(n.as_str()))
        .cloned()
        .collect();
    let mut mismatched = Vec::new();
    for (name, path) in &present {
        if let Some(expected) = pins.get(name.as_str())
            && sha256(path)? != *expected
        {
            mismatched.push(name.clone());
        }
    }
    if missing.is_empty() && unexpected.is_empty() && mismatched.is_empty() {
        Ok(())
    } else {
        Err(DistError::Mismatch {
            dir: libs.to_owned(),
            missing,
            unexpected,
            mismatched,
        })
    }
}

fn sha256(path: &Path) -> Result<String, DistError> {
    let mut file = File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pin_is_a_jar_with_a_sha256() {
        let pins = pins();
        assert_eq!(pins.len(), PINNED.lines().count());
        assert!(pins.contains_key("kafka_2.13-4.1.0.jar"));
        assert!(pins.contains_key("kafka-clients-4.1.0.jar"));
        for (name, sum) in pins {
            assert!(name.ends_with(".jar"), "{name}");
            assert_eq!(sum.len(), 64, "{name}");
            assert!(sum.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
        }
    }

    #[test]
    fn a_changed_jar_is_named() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        for name in pins().keys() {
            std::fs::write(dir.path().join(name), b"not the jar")?;
        }
        std::fs::write(dir.path().join("extra-1.0.jar"), b"")?;
        let Err(DistError::Mismatch {
            missing,
            unexpected,
            mismatched,
            ..
        }) = verify(dir.path())
        else {
            return Err("a directory of wrong jars passed the check".into());
        };
        assert!(missing.is_empty());
        assert_eq!(unexpected, vec!["extra-1.0.jar".to_owned()]);
        assert_eq!(mismatched.len(), pins().len());
        Ok(())
    }
}
