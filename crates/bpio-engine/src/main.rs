//! bpio-engine: the bpio server as a command-line program, flag-compatible with intiface-engine.
//!
//! It listens for clients on a websocket (127.0.0.1:12345 unless told otherwise), serves one
//! client at a time unless `--max-clients` allows more, and on Ctrl-C or SIGTERM stops every
//! device before it exits.

use std::pin::Pin;
use std::process::ExitCode;

use bpio_engine::{LogTaps, Options};
use clap::Parser;
use tracing::error;
use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

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
    // --log wins; without it RUST_LOG decides, as with the reference, and then info.
    let filter = match options.log {
        Some(level) => EnvFilter::default().add_directive(LevelFilter::from_level(level).into()),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    // The console, and a GUI (--frontend-websocket-port) and the web panel (--web-port) while
    // they run.
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_target(false))
        .with(LogTaps)
        .init();
    // One thread runs every task. A command passes from the client's socket task to its session
    // and its device task; with several worker threads each hand-over could wake a parked
    // thread, and that wake-up, not the work, was the tail of the latency (docs/PERFORMANCE.md).
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            error!(cause = %err, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(engine(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The engine's future, on the heap: it is some 30 KB, and built in `main`'s frame it kept that
/// much of the main thread's stack resident for the engine's life.
#[inline(never)]
fn engine(options: Options) -> Pin<Box<impl Future<Output = anyhow::Result<()>>>> {
    Box::pin(bpio_engine::run(options))
}
