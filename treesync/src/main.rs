//! `treesync`: rsync-compatible local sync that rewrites only what differs (see the library).
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let umask = {
        let old = rustix::process::umask(rustix::fs::Mode::empty());
        rustix::process::umask(old);
        old.bits()
    };
    let inv = match treesync::cli::parse(std::env::args_os(), umask) {
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
        Ok(Err(e)) => return fail(e),
        Ok(Ok(inv)) => inv,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = treesync::run(
        &inv.options,
        &inv.sources,
        &inv.dest,
        &mut out,
        &mut std::io::stderr(),
    );
    let flushed = out.flush();
    match result {
        Ok((outcome, _)) => ExitCode::from(if flushed.is_ok() {
            outcome.exit_code() as u8
        } else {
            11
        }),
        Err(treesync::Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(0)
        }
        Err(e) => fail(e),
    }
}

fn fail(e: treesync::Error) -> ExitCode {
    let code = e.exit_code() as u8;
    eprintln!("treesync: {:#}", anyhow::Error::from(e));
    ExitCode::from(code)
}
