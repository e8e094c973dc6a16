//! bpio-engine: the bpio server as a command-line program, flag-compatible with intiface-engine.
//!
//! It listens for clients on a websocket (127.0.0.1:12345 unless told otherwise), serves one
//! client at a time, and on Ctrl-C or SIGTERM stops every device before it exits.

use std::process::ExitCode;

use bpio_engine::Options;
use clap::Parser;
use tracing::error;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn main() -> ExitCode {
    let options = Options::parse();
    if options.server_version {
        #[allow(clippy::print_stdout)]
        {
            println!("{VERSION}");
        }
        return ExitCode::SUCCESS;
    }
    if options.version {
        #[allow(clippy::print_stdout)]
        {
            println!("bpio-engine {VERSION}");
        }
        return ExitCode::SUCCESS;
    }
    tracing_subscriber::fmt()
        .with_max_level(options.log.unwrap_or(tracing::Level::INFO))
        .with_target(false)
        .init();
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(runtime) => runtime,
            Err(err) => {
                error!(cause = %err, "cannot start the async runtime");
                return ExitCode::FAILURE;
            }
        };
    match runtime.block_on(bpio_engine::run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}
