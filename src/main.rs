//! The `ippo` binary: see `server::cli` for the commands.

use clap::Parser;

/// Rendering a page is mostly short-lived strings; under load glibc's allocator took a
/// third of the server's time (docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match ippo::cli::run(ippo::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ippo: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
