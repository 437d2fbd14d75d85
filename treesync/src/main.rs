//! `treesync`: rsync-compatible local sync that rewrites only what differs (see the library).
use std::io::Write;
use std::process::ExitCode;

use toolkit::{ExitStatus, Usage};

fn main() -> ExitCode {
    let umask = toolkit::umask();
    let inv = match treesync::cli::parse(std::env::args_os(), umask) {
        Err(e) => return toolkit::usage_error("treesync", Usage::Rsync, &e),
        Ok(Err(e)) => return toolkit::fail("treesync", &e, e.exit_status()),
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
        // What was printed did not all get out: rsync's error in file I/O.
        Ok(_) if flushed.is_err() => ExitCode::from(treesync::Error::FileIo.exit_status()),
        Err(treesync::Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        result => toolkit::finish("treesync", result.map(|(outcome, _)| outcome)),
    }
}
