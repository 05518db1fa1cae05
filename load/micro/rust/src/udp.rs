//! Workload 11, udp_pingpong: M round trips of a 64-byte datagram between the benchmark task
//! and an echo task, over loopback.

use std::time::Instant;

use tokio::net::UdpSocket;

use crate::harness::{elapsed_ns, in_task, report, Flavour, Options, Sample};

const PAYLOAD: usize = 64;

/// Sends every datagram back to where it came from; an empty one ends it.
async fn echo(socket: UdpSocket) {
    let mut buf = [0u8; 2048];
    loop {
        let (n, from) = socket.recv_from(&mut buf).await.expect("echo recv_from");
        if n == 0 {
            break;
        }
        socket.send_to(&buf[..n], from).await.expect("echo send_to");
    }
}

async fn pingpong(m: u64) -> Sample {
    let server = UdpSocket::bind("127.0.0.1:0").await.expect("bind on loopback");
    let server_addr = server.local_addr().expect("the echo socket's address");
    let echo = tokio::spawn(echo(server));
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind on loopback");
    socket.connect(server_addr).await.expect("connect the client socket");
    let out = [7u8; PAYLOAD];
    let mut back = [0u8; 2048];
    let t0 = Instant::now();
    for _ in 0..m {
        socket.send(&out).await.expect("client send");
        let n = socket.recv(&mut back).await.expect("client recv");
        assert_eq!(n, PAYLOAD, "udp_64B: the echo came back with another length");
    }
    let ns = elapsed_ns(t0);
    socket.send(&[]).await.expect("client send");
    echo.await.expect("the echo task panicked");
    Sample::new(ns, m)
}

pub fn run(options: &Options) {
    let m = options.size(100_000, 1_000) as u64;
    for flavour in options.flavours(&[Flavour::CtEnableAll]) {
        let rt = flavour.runtime();
        let samples = options.measure(|| in_task(&rt, pingpong(m)));
        report("udp_pingpong", &format!("tokio_udp_64B/{}", flavour.name()), m, &samples, "op=one round trip");
    }
}
