//! Workload 12, proxy_copy: a client writes 1 GiB through a `copy_bidirectional` proxy to a sink
//! that counts the bytes and answers with the count, over loopback.

use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::harness::{elapsed_ns, in_task, median, report, Flavour, Options, Sample};

const CHUNK: usize = 64 * 1024;

/// Reads one connection to its end, then writes back how many bytes came (8 bytes, little-endian).
async fn sink(listener: TcpListener) {
    let (mut stream, _) = listener.accept().await.expect("sink accept");
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = stream.read(&mut buf).await.expect("sink read");
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    stream.write_all(&total.to_le_bytes()).await.expect("sink write");
}

/// Joins one inbound connection to a new connection to the sink until both directions end.
async fn proxy(listener: TcpListener, sink_addr: std::net::SocketAddr) {
    let (mut inbound, _) = listener.accept().await.expect("proxy accept");
    let mut outbound = TcpStream::connect(sink_addr).await.expect("proxy connect");
    tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await.expect("copy_bidirectional");
}

async fn copy_once(total: u64) -> Sample {
    let sink_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind on loopback");
    let sink_addr = sink_listener.local_addr().expect("the sink's address");
    let sink = tokio::spawn(sink(sink_listener));
    let proxy_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind on loopback");
    let proxy_addr = proxy_listener.local_addr().expect("the proxy's address");
    let proxy = tokio::spawn(proxy(proxy_listener, sink_addr));

    let mut stream = TcpStream::connect(proxy_addr).await.expect("client connect");
    let chunk: Vec<u8> = (0..CHUNK).map(|k| k as u8).collect();
    let chunks = total / CHUNK as u64;
    let mut count = [0u8; 8];
    let t0 = Instant::now();
    for _ in 0..chunks {
        stream.write_all(&chunk).await.expect("client write");
    }
    stream.shutdown().await.expect("client shutdown");
    stream.read_exact(&mut count).await.expect("client read of the count");
    let ns = elapsed_ns(t0);
    assert_eq!(u64::from_le_bytes(count), total, "copy_bidirectional: the sink counted another length");
    proxy.await.expect("the proxy panicked");
    sink.await.expect("the sink panicked");
    Sample::new(ns, chunks)
}

pub fn run(options: &Options) {
    let total = options.size(1 << 30, 16 << 20) as u64;
    for flavour in options.flavours(&[Flavour::CtEnableAll, Flavour::Mt2EnableAll]) {
        let rt = flavour.runtime();
        let samples = options.measure(|| in_task(&rt, copy_once(total)));
        let per_second = median(samples.iter().map(|s| total as f64 * 1e9 / s.ns as f64).collect());
        report(
            "proxy_copy",
            &format!("tokio_copy_bidirectional/{}", flavour.name()),
            total,
            &samples,
            &format!("median_bytes_per_s={per_second:.0}"),
        );
    }
}
