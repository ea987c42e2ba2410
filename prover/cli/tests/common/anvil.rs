//! A real local chain for the CLI tests: anvil from the pinned npm package, on a free
//! 127.0.0.1 port with its well-known development accounts, killed when dropped; and helpers to
//! read the `zkinfer` binary's output.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{ok, s, zkinfer};

/// anvil's well-known development keys (accounts 0–4 of its default mnemonic).
pub const KEYS: [&str; 5] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
];

/// A running anvil, killed when dropped.
pub struct Anvil {
    child: Child,
    /// Its JSON-RPC URL.
    pub url: String,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A background process (e.g. `zkinfer provider`), killed when dropped so a failing test
/// leaves nothing running.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn anvil_binary() -> PathBuf {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    assert!(
        bin.exists(),
        "{} is missing: run `npm ci --prefix contracts` (scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// Starts anvil on a free port and waits until it listens.
pub fn start_anvil() -> Anvil {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(anvil_binary())
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--silent",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("anvil starts");
    let anvil = Anvil {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "anvil did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    anvil
}

/// The word after `label` on the line that starts with it.
pub fn field(out: &str, label: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{out}"))
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// Runs `f` on a fresh current-thread runtime.
pub fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// `zkinfer deploy dir` (a new escrow, publishing the key made from a public seed) signed with
/// `KEYS[key]`; returns the escrow address.
pub fn deploy(anvil: &Anvil, dir: &Path, key: usize) -> String {
    let deployed = ok(&zkinfer(&[
        "deploy",
        s(dir),
        "--allow-insecure-key",
        "--rpc-url",
        &anvil.url,
        "--key",
        KEYS[key],
    ]));
    field(&deployed, "escrow ")
}
