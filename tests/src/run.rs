//! [`Run`]: run a program (a workspace binary via [`tool`], an oracle via [`cmd`] or [`git`])
//! with arguments, working directory and stdin, capture everything, and check the exit code
//! with a failure message that shows the command line, stdout and stderr.
//!
//! Every run gets `LC_ALL=C` and `TZ=UTC` (stable messages and timestamps from the GNU tools),
//! stdin from `/dev/null` unless given, and a timeout (default 120 s) so a tool waiting on a
//! terminal fails instead of hanging the suite.

use std::ffi::{OsStr, OsString};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::bins::bin;
use crate::show::show;

/// A command to run; build with [`tool`], [`cmd`] or [`git`], finish with [`Run::run`] or
/// [`Run::expect_code`].
#[derive(Clone, Debug)]
#[must_use = "a Run does nothing until .run() or .expect_code()"]
pub struct Run {
    program: OsString,
    args: Vec<OsString>,
    cwd: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
    env: Vec<(OsString, Option<OsString>)>,
    timeout: Duration,
    git: bool,
}

/// A workspace binary (`snap`, `treediff`, `treesync`, `applypatch`), built if need be.
pub fn tool(name: &str) -> Run {
    cmd(bin(name))
}

/// Any program, found on `PATH` unless a path is given (an oracle: `diff`, `patch`, `rsync`,
/// `mtree`, `bsdtar`, ...).
pub fn cmd(program: impl AsRef<OsStr>) -> Run {
    Run {
        program: program.as_ref().to_owned(),
        args: Vec::new(),
        cwd: None,
        stdin: None,
        env: vec![
            ("LC_ALL".into(), Some("C".into())),
            ("TZ".into(), Some("UTC".into())),
        ],
        timeout: Duration::from_secs(120),
        git: false,
    }
}

/// `git`, isolated from the user's and system configuration (`GIT_CONFIG_NOSYSTEM`,
/// `GIT_CONFIG_GLOBAL=/dev/null`, fixed author) and, when a working directory is set, from
/// any repository above it (`GIT_CEILING_DIRECTORIES`), so `git apply` in a scratch directory
/// behaves as the "better patch" it is outside a repository.
pub fn git() -> Run {
    let mut run = cmd("git")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    run.git = true;
    run
}

/// Panics unless `name` is found on `PATH`: an oracle tool a test needs. Tests never skip
/// silently; CI (`.ci/run`) installs them.
pub fn require_tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "required tool `{name}` is not installed (not on PATH); this test compares \
                 against it and does not skip: install it (see .ci/run)"
            )
        })
}

impl Run {
    /// Adds one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Adds arguments.
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Adds an argument given as bytes (e.g. a non-UTF-8 path).
    pub fn arg_bytes(self, arg: impl AsRef<[u8]>) -> Self {
        use std::os::unix::ffi::OsStrExt;
        self.arg(OsStr::from_bytes(arg.as_ref()))
    }

    /// Runs in `dir`.
    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Feeds these bytes on stdin (otherwise stdin is `/dev/null`).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.env.push((key.as_ref().to_owned(), None));
        self
    }

    /// Kills the program and panics if it runs longer than this.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs this command under another one (`/usr/bin/time -f %M -o FILE`, `setpriv ...`):
    /// `program` and `args` come first, then this command's program and arguments.
    pub fn wrap<I, S>(mut self, program: impl AsRef<OsStr>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut all: Vec<OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        all.push(std::mem::replace(
            &mut self.program,
            program.as_ref().to_owned(),
        ));
        all.append(&mut self.args);
        self.args = all;
        self
    }

    /// The command line, shell-quoted enough to read (and usually to paste).
    pub fn command_line(&self) -> String {
        let quote = |s: &OsStr| {
            let b = s.as_encoded_bytes();
            if !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_./=:+,@%".contains(c))
            {
                show(b)
            } else {
                format!("\"{}\"", show(b).replace('$', "\\$").replace('`', "\\`"))
            }
        };
        let mut line = String::new();
        if let Some(dir) = &self.cwd {
            line.push_str(&format!("cd {} && ", quote(dir.as_os_str())));
        }
        line.push_str(&quote(&self.program));
        for a in &self.args {
            line.push(' ');
            line.push_str(&quote(a));
        }
        if let Some(input) = &self.stdin {
            line.push_str(&format!(" <stdin: {} bytes>", input.len()));
        }
        line
    }

    /// Runs the program to completion and captures its output. Panics only if it cannot be
    /// started or times out.
    pub fn run(&self) -> Output {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
            if self.git
                && let Some(parent) = dir
                    .canonicalize()
                    .ok()
                    .and_then(|d| d.parent().map(Path::to_path_buf))
            {
                command.env("GIT_CEILING_DIRECTORIES", parent);
            }
        }
        for (k, v) in &self.env {
            match v {
                Some(v) => command.env(k, v),
                None => command.env_remove(k),
            };
        }
        command
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{}`: {e}", self.command_line()));
        let writer = child
            .stdin
            .take()
            .zip(self.stdin.clone())
            .map(|(mut pipe, input)| {
                // A program that exits without reading all of stdin is not an error here.
                std::thread::spawn(move || drop(pipe.write_all(&input)))
            });
        let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.read_to_end(&mut buf);
                }
                buf
            })
        };
        let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
        let start = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if start.elapsed() > self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "`{}` timed out after {:?}",
                        self.command_line(),
                        self.timeout
                    );
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => panic!("waiting for `{}`: {e}", self.command_line()),
            }
        };
        if let Some(w) = writer {
            let _ = w.join();
        }
        Output {
            command_line: self.command_line(),
            status,
            stdout: out.join().expect("the stdout reader does not panic"),
            stderr: err.join().expect("the stderr reader does not panic"),
        }
    }

    /// Runs and panics (showing command line, stdout, stderr) unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> Output {
        self.run().expect_code(code)
    }

    /// Runs and panics unless the exit code is 0.
    #[track_caller]
    pub fn success(&self) -> Output {
        self.expect_code(0)
    }
}

/// What a [`Run`] produced.
#[derive(Clone, Debug)]
pub struct Output {
    /// The command line, for messages.
    pub command_line: String,
    /// The exit status.
    pub status: ExitStatus,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
}

impl Output {
    /// The exit code (`None` if killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Panics (showing command line, stdout, stderr) unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Output {
        if self.code() != Some(code) {
            panic!("expected exit code {code}, got {}\n{self}", self.status);
        }
        self
    }

    /// Panics unless stderr is empty.
    #[track_caller]
    pub fn expect_quiet(self) -> Output {
        if !self.stderr.is_empty() {
            panic!("expected nothing on stderr\n{self}");
        }
        self
    }

    /// stdout as UTF-8, panicking if it is not.
    #[track_caller]
    pub fn stdout_str(&self) -> &str {
        std::str::from_utf8(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not UTF-8 ({e})\n{self}"))
    }

    /// stderr as text (lossy: for assertions on messages).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MAX: usize = 20_000;
        let clip = |b: &[u8]| {
            let text = String::from_utf8_lossy(&b[..b.len().min(MAX)]).into_owned();
            if b.len() > MAX {
                format!("{text}\n... ({} bytes in all)", b.len())
            } else {
                text
            }
        };
        writeln!(f, "command: {}", self.command_line)?;
        writeln!(f, "status: {}", self.status)?;
        writeln!(
            f,
            "--- stdout ({} bytes)\n{}",
            self.stdout.len(),
            clip(&self.stdout)
        )?;
        write!(
            f,
            "--- stderr ({} bytes)\n{}",
            self.stderr.len(),
            clip(&self.stderr)
        )
    }
}
