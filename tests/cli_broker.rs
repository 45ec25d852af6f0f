//! `alertsim broker serve` through the built binary: it prints the address
//! it listens on, a record produced there with rdkafka is consumed back,
//! SIGTERM stops it with exit 0; an address it cannot use, or `--proxied`
//! without `--engine kafka`, exits 2 and says which flag is wrong.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Message, Offset, TopicPartitionList};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const BIN: &str = env!("CARGO_BIN_EXE_alertsim");

/// Generous bounds: the machine may be busy with other builds.
const STARTED_WITHIN: Duration = Duration::from_secs(60);
const EXITED_WITHIN: Duration = Duration::from_secs(30);

/// The broker process, killed if a test fails before it stops it.
struct Served(Option<Child>);

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits for `child` to exit, at most `bound`; `None` if it did not.
fn exit_within(child: Child, bound: Duration) -> Option<(ExitStatus, String)> {
    let (tx, rx) = mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(bound) {
        Ok(Ok(output)) => Some((
            output.status,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )),
        _ => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            None
        }
    }
}

fn signal(child: &Child, name: &str) -> TestResult {
    let status = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()?;
    assert!(status.success(), "kill {name}");
    Ok(())
}

#[test]
fn broker_serve_prints_its_address_serves_a_record_and_exits_0_on_sigterm() -> TestResult {
    let topic = "served";
    // Its log goes to a file: a pipe nobody reads could fill and block it.
    let log = tempfile::NamedTempFile::new()?;
    let mut child = Command::new(BIN)
        .args([
            "broker",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--topic",
            topic,
        ])
        .args(["--partitions", "1"])
        .stdout(Stdio::piped())
        .stderr(log.reopen()?)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("stdout piped")?;
    let mut served = Served(Some(child));
    // The first stdout line, read on a thread so that a broker that never
    // prints fails the test instead of hanging it.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(STARTED_WITHIN)?;
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("first line {line:?}"))?
        .to_owned();
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    assert!(
        !address.ends_with(":0"),
        "the chosen port is printed: {address}"
    );

    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &address)
        .set("message.timeout.ms", "30000")
        .create()?;
    producer
        .send(BaseRecord::to(topic).key("k").payload("alertsim"))
        .map_err(|(e, _)| e)?;
    producer.flush(Duration::from_secs(30))?;

    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &address)
        .set("group.id", "cli-broker-test")
        .set("enable.auto.commit", "false")
        .create()?;
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(topic, 0, Offset::Beginning)?;
    consumer.assign(&assignment)?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let payload = loop {
        assert!(Instant::now() < deadline, "no record consumed in 30 s");
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let message = message?;
            break message.payload().map(<[u8]>::to_vec);
        }
    };
    assert_eq!(payload.as_deref(), Some(&b"alertsim"[..]));
    drop(consumer);
    drop(producer);

    let child = served.0.take().ok_or("the broker runs")?;
    signal(&child, "-TERM")?;
    let exited = exit_within(child, EXITED_WITHIN);
    let stderr = std::fs::read_to_string(log.path())?;
    let (status, _) = exited.ok_or_else(|| format!("no exit after SIGTERM: {stderr}"))?;
    assert_eq!(status.code(), Some(0), "{stderr}");
    Ok(())
}

#[test]
fn broker_serve_refuses_an_address_it_cannot_use_with_exit_2() -> TestResult {
    let refused = |listen: &str| -> Result<String, Box<dyn std::error::Error>> {
        let child = Command::new(BIN)
            .args(["broker", "serve", "--listen", listen])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let (status, stderr) = exit_within(child, EXITED_WITHIN).ok_or("it exits")?;
        assert_eq!(status.code(), Some(2), "--listen {listen}: {stderr}");
        assert!(stderr.contains("--listen"), "names the flag: {stderr}");
        Ok(stderr)
    };
    let stderr = refused("not-an-address")?;
    assert!(
        stderr.contains("expected an IP address and port"),
        "says what is expected: {stderr}"
    );
    // A port another socket holds: refused when the broker binds it.
    let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
    let address = taken.local_addr()?.to_string();
    let stderr = refused(&address)?;
    assert!(stderr.contains(&address), "names the address: {stderr}");
    Ok(())
}

#[test]
fn broker_serve_refuses_proxied_without_the_kafka_engine_with_exit_2() -> TestResult {
    let child = Command::new(BIN)
        .args(["broker", "serve", "--proxied"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let (status, stderr) = exit_within(child, EXITED_WITHIN).ok_or("it exits")?;
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--proxied") && stderr.contains("--engine kafka"),
        "names the flag and what it needs: {stderr}"
    );
    Ok(())
}
