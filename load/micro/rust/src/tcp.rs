//! Workload 7, tcp_echo_loopback: C clients, each making R round trips of 64 bytes through an
//! echo server on the same runtime, over loopback.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Barrier;
use tokio::task::JoinHandle;

use crate::harness::{elapsed_ns, in_task, median, report, Flavour, Options, Sample};

const PAYLOAD: usize = 64;

/// Accepts exactly `clients` connections and echoes each until its client closes it.
async fn serve(listener: TcpListener, clients: usize) {
    let mut echoes = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (mut stream, _) = listener.accept().await.expect("accept on loopback");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        echoes.push(tokio::spawn(async move {
            let mut buf = [0u8; PAYLOAD];
            loop {
                let n = stream.read(&mut buf).await.expect("echo read");
                if n == 0 {
                    break;
                }
                stream.write_all(&buf[..n]).await.expect("echo write");
            }
        }));
    }
    for echo in echoes {
        echo.await.expect("an echo task panicked");
    }
}

async fn client(addr: SocketAddr, rounds: usize, start: Arc<Barrier>) {
    let mut stream = TcpStream::connect(addr).await.expect("connect on loopback");
    stream.set_nodelay(true).expect("TCP_NODELAY");
    let mut out = [0u8; PAYLOAD];
    for (k, byte) in out.iter_mut().enumerate() {
        *byte = k as u8;
    }
    let mut back = [0u8; PAYLOAD];
    start.wait().await;
    for r in 0..rounds {
        out[0] = r as u8;
        stream.write_all(&out).await.expect("client write");
        stream.read_exact(&mut back).await.expect("client read");
        debug_assert_eq!(back, out, "the echo changed the payload");
    }
}

async fn echo_once(clients: usize, rounds: usize) -> Sample {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind on loopback");
    let addr = listener.local_addr().expect("the listener's address");
    let server = tokio::spawn(serve(listener, clients));
    let start = Arc::new(Barrier::new(clients + 1));
    let handles: Vec<JoinHandle<()>> =
        (0..clients).map(|_| tokio::spawn(client(addr, rounds, start.clone()))).collect();
    // Every client is connected once it reaches the barrier.
    start.wait().await;
    let t0 = Instant::now();
    for handle in handles {
        handle.await.expect("a client panicked");
    }
    let ns = elapsed_ns(t0);
    server.await.expect("the server panicked");
    Sample::new(ns, (clients * rounds) as u64)
}

pub fn run(options: &Options) {
    let clients = options.size(100, 10);
    let rounds = options.size(10_000, 100);
    for flavour in options.flavours(&[Flavour::CtEnableAll, Flavour::Mt2EnableAll]) {
        let rt = flavour.runtime();
        let samples = options.measure(|| in_task(&rt, echo_once(clients, rounds)));
        let per_second = median(samples.iter().map(|s| s.ops as f64 * 1e9 / s.ns as f64).collect());
        report(
            "tcp_echo_loopback",
            &format!("tokio_tcp_64B/{}", flavour.name()),
            clients as u64,
            &samples,
            &format!("median_round_trips_per_s={per_second:.0};clients={clients};rounds_per_client={rounds}"),
        );
    }
}
