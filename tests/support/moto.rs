//! moto's STS for the tests: `moto_server` started on a free port of
//! 127.0.0.1 and stopped (only that process, by its id) when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::missing;

/// A running `moto_server`, killed when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // Only the process this test started, by its id.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port on 127.0.0.1 that nothing listened on a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `moto_server` on a free port, its output in `log`, and waits (up
/// to 60 s) until it listens; or, when it cannot be run, calls [`missing`]
/// (a failure in CI, a loud skip elsewhere) and returns `None`.
pub fn start_moto(log: &Path) -> Option<Moto> {
    let port = free_port();
    let log_file = std::fs::File::create(log).unwrap();
    let spawned = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file)
        .spawn();
    let child = match spawned {
        Ok(c) => c,
        Err(e) => {
            missing(&format!(
                "moto_server (pip install 'moto[server]', done by scripts/setup.sh): {e}"
            ));
            return None;
        }
    };
    let mut moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = moto.child.try_wait() {
            let out = std::fs::read_to_string(log).unwrap_or_default();
            panic!("moto_server exited ({status}) before listening:\n{out}");
        }
        assert!(
            Instant::now() < deadline,
            "moto_server did not listen on {port} within 60s"
        );
        thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}
