//! `treesync`: rsync-compatible local sync that rewrites only what differs (see the library).
use std::io::Write;
use std::process::ExitCode;

use toolkit::{ExitStatus, OnBrokenPipe};
use treesync::EXIT_FILE_IO;

fn main() -> ExitCode {
    toolkit::signals::install();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "--server") {
        return ExitCode::from(treesync::remote::serve(&args[2..], toolkit::umask()));
    }
    let inv = match treesync::cli::parse(args, toolkit::umask()) {
        Err(e) => return toolkit::usage_error("treesync", toolkit::Usage::Rsync, &e),
        Ok(Err(e)) => {
            // A bad option value or an unreadable `*-from` file, in rsync's two lines.
            let what = match e.exit_status() {
                1 => "syntax or usage error (code 1)",
                _ => "error in file IO (code 11)",
            };
            eprintln!("treesync: {e}\ntreesync error: {what}");
            return std::process::ExitCode::from(e.exit_status());
        }
        Ok(Ok(treesync::cli::Request::Print(text))) => {
            // rsync prints its help and version even into a full stdout and exits 0.
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
            return std::process::ExitCode::SUCCESS;
        }
        Ok(Ok(treesync::cli::Request::Sync(inv))) => inv,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (opts, err) = (&inv.options, &mut std::io::stderr());
    if treesync::remote::is_remote(&inv.sources, &inv.dest) {
        let status = treesync::remote::run(opts, &inv.sources, &inv.dest, &mut out, err);
        return ExitCode::from(status);
    }
    let result = treesync::run(opts, &inv.sources, &inv.dest, &mut out, err);
    // Output that could not be flushed at the end is rsync's "error in file IO", silently.
    let flushed = out.flush().is_ok();
    let result = result.map(|(outcome, _)| match flushed {
        true => outcome.exit_status(),
        false => EXIT_FILE_IO,
    });
    // `treesync -i ... | head -1`: the reader left early; that is not a failure.
    toolkit::finish("treesync", result, OnBrokenPipe::Quiet(0))
}
