//! Toxiproxy built from the pinned Go module and started by the project:
//! a proxy in front of a local TCP echo server forwards, a latency toxic
//! makes a round trip take at least its latency and removing it makes
//! it fast again, a bandwidth toxic limits the bytes per second, a timeout
//! toxic stops data, and a disabled proxy refuses
//! connections. Needs `go` (and the Go module proxy on a cold cache).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use alertsim_loadgen::toxiproxy::client::{ToxicKind, block_on};
use alertsim_loadgen::toxiproxy::{Proxy, Stream, Toxic, ToxiproxyServer};

/// An echo server on a free port; each connection on its own thread.
fn echo_server() -> std::io::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 || stream.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    Ok(addr)
}

/// The time one 64-byte write takes to come back.
fn round_trip(stream: &mut TcpStream) -> std::io::Result<Duration> {
    let sent = [7u8; 64];
    let mut got = [0u8; 64];
    let started = Instant::now();
    stream.write_all(&sent)?;
    stream.read_exact(&mut got)?;
    assert_eq!(got, sent);
    Ok(started.elapsed())
}

/// The time `bytes` bytes take to be echoed back (written from another
/// thread, so that neither side waits for the other's buffer).
fn transfer(stream: &mut TcpStream, bytes: usize) -> std::io::Result<Duration> {
    let mut writer = stream.try_clone()?;
    let started = Instant::now();
    let sending = std::thread::spawn(move || writer.write_all(&vec![1u8; bytes]));
    let mut got = vec![0u8; bytes];
    stream.read_exact(&mut got)?;
    let elapsed = started.elapsed();
    sending
        .join()
        .map_err(|_| std::io::Error::other("the writer panicked"))??;
    Ok(elapsed)
}

/// The fastest of `n` round trips (the least disturbed by a busy machine).
fn fastest(stream: &mut TcpStream, n: usize) -> std::io::Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..n {
        best = best.min(round_trip(stream)?);
    }
    Ok(best)
}

#[test]
fn toxics_slow_and_cut_a_proxied_connection() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let server = ToxiproxyServer::start()?;
    eprintln!("toxiproxy-server ready in {:?}", started.elapsed());
    let client = server.client();
    let upstream = echo_server()?;
    let proxy = Proxy {
        name: "echo".into(),
        listen: "127.0.0.1:0".into(),
        upstream: upstream.to_string(),
        enabled: true,
    };
    let created = {
        let client = client.clone();
        block_on(async move { client.create_proxy(&proxy).await })?
    };
    assert_ne!(
        created.listen, "127.0.0.1:0",
        "the API names the port bound"
    );
    let mut stream = TcpStream::connect(&created.listen)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let before = fastest(&mut stream, 5)?;

    let latency_ms = 150;
    let slow = Toxic::new(
        "slow",
        Stream::Downstream,
        ToxicKind::Latency {
            latency_ms,
            jitter_ms: 0,
        },
    );
    {
        let client = client.clone();
        block_on(async move { client.add_toxic("echo", &slow).await })?;
    }
    let during = fastest(&mut stream, 3)?;
    eprintln!("round trip: {before:?} without a toxic, {during:?} with {latency_ms} ms latency");
    // The fastest round trip with the toxic takes at least its latency;
    // without it, far less.
    let latency = Duration::from_millis(latency_ms);
    assert!(
        before < latency / 2,
        "a round trip takes {before:?} without a toxic"
    );
    assert!(
        during >= latency,
        "latency toxic: the fastest round trip took {during:?}, not {latency_ms} ms more"
    );

    {
        let client = client.clone();
        block_on(async move { client.remove_toxic("echo", "slow").await })?;
    }
    let after = fastest(&mut stream, 5)?;
    assert!(
        after < Duration::from_millis(latency_ms),
        "toxic removed, yet a round trip takes {after:?}"
    );

    // A bandwidth toxic of 100 KB/s on the responses: 50 KB take 0.5 s.
    let bytes = 50_000;
    let fast = transfer(&mut stream, bytes)?;
    let narrow = Toxic::new(
        "narrow",
        Stream::Downstream,
        ToxicKind::Bandwidth { rate_kb_s: 100 },
    );
    {
        let client = client.clone();
        block_on(async move { client.add_toxic("echo", &narrow).await })?;
    }
    let limited = transfer(&mut stream, bytes)?;
    {
        let client = client.clone();
        block_on(async move { client.remove_toxic("echo", "narrow").await })?;
    }
    eprintln!("{bytes} bytes echoed in {fast:?}, {limited:?} at 100 KB/s");
    assert!(
        limited >= Duration::from_millis(450) && limited > fast + Duration::from_millis(300),
        "{bytes} bytes at 100 KB/s took {limited:?}, {fast:?} without the toxic"
    );

    // A cut: a timeout toxic that never closes lets no data through.
    let cut = Toxic::new(
        "cut",
        Stream::Upstream,
        ToxicKind::Timeout { timeout_ms: 0 },
    );
    {
        let client = client.clone();
        block_on(async move { client.add_toxic("echo", &cut).await })?;
    }
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    let err = round_trip(&mut stream).err().map(|e| e.kind());
    assert!(
        matches!(
            err,
            Some(std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
        ),
        "data passed a timeout toxic: {err:?}"
    );

    // A disabled proxy closes its listener.
    {
        let client = client.clone();
        block_on(async move { client.set_enabled("echo", false).await })?;
    }
    assert!(TcpStream::connect(&created.listen).is_err());
    Ok(())
}
