//! A fault-injecting TCP proxy between a device and the hub, on 127.0.0.1.
//!
//! Each accepted connection takes the next fault from a script (cycling), or `Pass` when
//! no script is set. The proxy adds `connection: close` to every response it forwards,
//! so the client opens a new connection per request and every request meets the script.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward faithfully.
    Pass,
    /// Accept, then close without reading or answering.
    Drop,
    /// Forward the request; send back only half of the response, then close.
    CutResponse,
    /// Answer 500 without forwarding.
    ServerError,
    /// Wait this long before forwarding (longer than the client's timeout = a timeout).
    Delay(Duration),
    /// Forward the request, let the hub answer (it has committed), drop the answer.
    CommitThenDrop,
}

pub struct Proxy {
    pub addr: SocketAddr,
    script: Arc<Mutex<Vec<Fault>>>,
    next: Arc<AtomicUsize>,
    pub connections: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let script: Arc<Mutex<Vec<Fault>>> = Arc::new(Mutex::new(Vec::new()));
        let next = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let task = {
            let script = script.clone();
            let next = next.clone();
            let connections = connections.clone();
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    connections.fetch_add(1, Ordering::SeqCst);
                    let fault = {
                        let s = script.lock().expect("script");
                        if s.is_empty() {
                            Fault::Pass
                        } else {
                            s[n % s.len()]
                        }
                    };
                    tokio::spawn(handle(client, upstream, fault));
                }
            })
        };
        Self {
            addr,
            script,
            next,
            connections,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sets the fault script (empty = pass everything).
    pub fn set_script(&self, faults: &[Fault]) {
        *self.script.lock().expect("script") = faults.to_vec();
        self.next.store(0, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const RESPONSE: &[u8] =
    b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

async fn handle(mut client: TcpStream, upstream: SocketAddr, fault: Fault) {
    match fault {
        Fault::Drop => {
            drop(client);
            return;
        }
        Fault::ServerError => {
            let mut buf = [0u8; 16 * 1024];
            let _ = tokio::time::timeout(Duration::from_secs(2), client.read(&mut buf)).await;
            let _ = client.write_all(RESPONSE).await;
            let _ = client.shutdown().await;
            return;
        }
        Fault::Delay(d) => tokio::time::sleep(d).await,
        _ => {}
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    // Request direction: copied as it comes.
    let up = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut cr, &mut sw).await;
    });
    // Response direction: read until the hub has been quiet for a moment after its
    // first bytes (a whole response on loopback), then apply the fault and close.
    let mut response = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut head_patched = false;
    loop {
        let wait = if response.is_empty() {
            Duration::from_secs(60)
        } else {
            Duration::from_millis(150)
        };
        match tokio::time::timeout(wait, sr.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                let mut chunk = buf[..n].to_vec();
                if !head_patched {
                    // After the status line: one request per connection.
                    if let Some(pos) = chunk.windows(2).position(|w| w == b"\r\n") {
                        chunk.splice(pos + 2..pos + 2, b"connection: close\r\n".iter().copied());
                        head_patched = true;
                    }
                }
                response.extend_from_slice(&chunk);
                if matches!(fault, Fault::Pass | Fault::Delay(_))
                    && cw.write_all(&chunk).await.is_err()
                {
                    break;
                }
            }
        }
    }
    match fault {
        Fault::CutResponse => {
            let _ = cw.write_all(&response[..response.len() / 2]).await;
        }
        Fault::CommitThenDrop => {}
        _ => {}
    }
    let _ = cw.shutdown().await;
    up.abort();
}
