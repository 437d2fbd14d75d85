//! `treesync` over a real OpenSSH server: the test starts its own `sshd` on 127.0.0.1 (a free
//! port, host and user keys generated in its scratch directory, public-key login only) and
//! pushes and pulls the edge-case tree through `ssh`; the result and the `-i` lines must be
//! those of local treesync on the same trees. Skipped, with the reason printed, where `sshd`
//! is not installed (`make deps` installs `openssh-server`).

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use checkpoint_tests::*;

/// A running `sshd`, killed when dropped.
struct Sshd {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sshd {
    /// The `-e` command that logs in to this server with the generated key.
    fn rsh(&self) -> String {
        format!(
            "ssh -p {} -i {} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
             -o BatchMode=yes -o LogLevel=ERROR",
            self.port,
            self.dir.path().join("user_key").display()
        )
    }
}

fn keygen(path: &Path) {
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", ""])
        .arg("-f")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "ssh-keygen failed for {}", path.display());
}

/// Start a private sshd, or say why not.
fn start_sshd() -> Result<Sshd, String> {
    let sshd = PathBuf::from("/usr/sbin/sshd");
    if !sshd.exists() {
        return Err("no /usr/sbin/sshd (install openssh-server)".into());
    }
    if which("ssh").is_none() || which("ssh-keygen").is_none() {
        return Err("no ssh or ssh-keygen".into());
    }
    // sshd refuses to start without its privilege separation directory.
    if !Path::new("/run/sshd").exists() && fs::create_dir_all("/run/sshd").is_err() {
        return Err("no /run/sshd and cannot make it".into());
    }
    let dir = tempdir();
    let d = dir.path().to_path_buf();
    let d = &d;
    keygen(&d.join("host_key"));
    keygen(&d.join("user_key"));
    fs::copy(d.join("user_key.pub"), d.join("authorized_keys")).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))?;
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nPidFile {pid}\n\
         AuthorizedKeysFile {keys}\nStrictModes no\nPasswordAuthentication no\n\
         KbdInteractiveAuthentication no\nUsePAM no\nPermitRootLogin prohibit-password\n",
        host = d.join("host_key").display(),
        pid = d.join("sshd.pid").display(),
        keys = d.join("authorized_keys").display(),
    );
    fs::write(d.join("sshd_config"), config).unwrap();
    let child = Command::new(&sshd)
        .args(["-D", "-e", "-f"])
        .arg(d.join("sshd_config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(d.join("sshd.log")).unwrap())
        .spawn()
        .map_err(|e| format!("cannot start sshd: {e}"))?;
    let server = Sshd { child, port, dir };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(10) {
            let log = fs::read_to_string(d.join("sshd.log")).unwrap_or_default();
            return Err(format!("sshd did not listen within 10 s: {log}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(server)
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.exists())
    })
}

#[test]
fn push_and_pull_over_openssh_equal_local_treesync() {
    let server = match start_sshd() {
        Ok(s) => s,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let (old, _) = edge_case_pair();
    let src = edge_case_tree();
    let flags = ["-a", "-i", "--delete", "-z"];
    for pull in [false, true] {
        let t = tempdir();
        let mut outs = Vec::new();
        for side in ["local", "ssh"] {
            let w = t.path().join(side);
            src.build(w.join("src"));
            old.build(w.join("dst"));
            let pin = filetime::FileTime::from_unix_time(1_650_000_000, 0);
            filetime::set_file_times(w.join("src"), pin, pin).unwrap();
            filetime::set_file_times(w.join("dst"), pin, pin).unwrap();
            let (s, d) = (w.join("src/"), w.join("dst"));
            let remote = |p: &Path| format!("127.0.0.1:{}", p.display());
            let mut run = tool("treesync").args(flags).cwd(&w);
            run = match (side, pull) {
                ("local", _) => run.args(["src/", "dst"]),
                (_, false) => run.arg(format!("{}/", s.display())).arg(remote(&d)),
                (_, true) => run.arg(format!("{}/", remote(&s))).arg(d),
            };
            if side == "ssh" {
                run = run
                    .arg("-e")
                    .arg(server.rsh())
                    .arg("--rsync-path")
                    .arg(bin("treesync"));
            }
            outs.push(run.run());
        }
        let context = format!(
            "pull {pull}\n--- local:\n{}{}\n--- ssh:\n{}{}",
            show(&outs[0].stdout),
            show(&outs[0].stderr),
            show(&outs[1].stdout),
            show(&outs[1].stderr)
        );
        assert_eq!(outs[0].code(), outs[1].code(), "{context}");
        let sorted = |o: &Output| {
            let mut v: Vec<String> = String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| !l.starts_with("created directory"))
                .map(str::to_string)
                .collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&outs[0]), sorted(&outs[1]), "{context}");
        assert_same_tree(
            t.path().join("local/dst"),
            t.path().join("ssh/dst"),
            Compare {
                mtimes: true,
                dir_mtimes: true,
                ..Compare::default()
            },
        );
    }
}
