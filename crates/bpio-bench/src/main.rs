//! bpio-bench: measures any Buttplug server from outside. `cargo xtask bench` runs it against
//! bpio-engine, the echo baseline and, when given, the reference server; see docs/PERFORMANCE.md.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bpio_bench::measure::{self, Settings, Target};
use bpio_bench::soak::SoakSettings;
use bpio_bench::{chart, config, echo, report, serial, soak, timings};
use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

#[derive(Debug, Parser)]
#[command(name = "bpio-bench", about = "Measures a Buttplug server from outside")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Measure a running server: a client on --url, fake devices on --device-url.
    Measure {
        /// The server's client websocket, e.g. ws://127.0.0.1:12345.
        #[arg(long)]
        url: String,
        /// The server's device websocket, e.g. ws://127.0.0.1:54817; without it only the
        /// client-side figures are measured (as for the echo baseline).
        #[arg(long)]
        device_url: Option<String>,
        /// The server's process id, for its resident memory.
        #[arg(long)]
        pid: Option<u32>,
        /// Label for the report.
        #[arg(long, default_value = "server")]
        name: String,
        #[command(flatten)]
        settings: SettingsArgs,
        #[command(flatten)]
        output: Output,
    },
    /// Start the echo baseline in a child process and measure it.
    Echo {
        #[command(flatten)]
        settings: SettingsArgs,
        #[command(flatten)]
        output: Output,
    },
    /// Run the echo baseline server until killed; prints its URL.
    EchoServer {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Write the user device config a server under test is started with.
    UserConfig {
        /// Timing gap of the gap device, in milliseconds.
        #[arg(long, default_value_t = Settings::default().gap_ms)]
        gap_ms: u32,
        #[command(flatten)]
        output: Output,
    },
    /// Read a server's memory once a client has scanned and DEVICES devices are listed (a
    /// server with simulated devices).
    Memory {
        /// The server's client websocket.
        #[arg(long)]
        url: String,
        /// The server's process id.
        #[arg(long)]
        pid: u32,
        /// Devices to wait for.
        #[arg(long, default_value_t = 1)]
        devices: usize,
        #[command(flatten)]
        output: Output,
    },
    /// Drive every output of every device at a steady rate and sample the server's memory after
    /// a warm-up: whether it grows with every command.
    Soak {
        /// The server's client websocket.
        #[arg(long)]
        url: String,
        /// The server's device websocket, for --fake-devices.
        #[arg(long)]
        device_url: Option<String>,
        /// The server's process id.
        #[arg(long)]
        pid: u32,
        /// Devices to wait for in the list before driving them.
        #[arg(long, default_value_t = SoakSettings::default().devices)]
        devices: usize,
        /// Fake websocket devices to connect to --device-url first.
        #[arg(long, default_value_t = SoakSettings::default().fake_devices)]
        fake_devices: usize,
        /// Commands per second to each output.
        #[arg(long, default_value_t = SoakSettings::default().rate_hz)]
        rate_hz: u32,
        /// Seconds of load before memory is sampled.
        #[arg(long, default_value_t = SoakSettings::default().warmup.as_secs())]
        warmup_secs: u64,
        /// Seconds of load while memory is sampled.
        #[arg(long, default_value_t = SoakSettings::default().duration.as_secs())]
        secs: u64,
        /// Clients that share the outputs round-robin; above 1, one more client also connects,
        /// sends one command and leaves every second (the server needs --max-clients N + 2).
        #[arg(long, default_value_t = SoakSettings::default().clients)]
        clients: usize,
        #[command(flatten)]
        output: Output,
    },
    /// Serve a fake TCode device on a pseudo-terminal until killed; writes a user config naming
    /// its port and then prints the port.
    SerialDevice {
        /// Where to write the user config.
        #[arg(long)]
        user_config: PathBuf,
    },
    /// Print the table of a run from the JSON of `measure`, `echo` and `memory`. Each option
    /// may be given once per run; the table shows the median of the runs.
    Report {
        /// Results of bpio-engine.
        #[arg(long, required = true)]
        bpio: Vec<PathBuf>,
        /// Results of the echo baseline.
        #[arg(long, required = true)]
        echo: Vec<PathBuf>,
        /// Results of the reference server.
        #[arg(long)]
        reference: Vec<PathBuf>,
        /// bpio-engine's memory with simulated devices (from `memory`).
        #[arg(long)]
        simulated: Vec<PathBuf>,
        /// A soak of bpio-engine (from `soak`) as MODE=PATH, MODE one of simulate, websocket,
        /// serial, clients.
        #[arg(long, value_parser = parse_soak)]
        soak: Vec<(String, PathBuf)>,
        /// Write the whole run, table included, as JSON here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Draw the latency distributions of every server here, as SVG.
        #[arg(long)]
        latency_svg: Option<PathBuf>,
        /// Draw resident memory against device count here, as SVG.
        #[arg(long)]
        memory_svg: Option<PathBuf>,
    },
    /// Through an MQTT broker (an engine started with --mqtt-url): an OutputCmd's round trip
    /// through the broker next to a direct websocket, then remote sessions side by side.
    Mqtt {
        #[command(flatten)]
        settings: MqttArgs,
        #[command(flatten)]
        output: Output,
    },
    /// How many devices (on one client) or clients (a device each) one engine serves: steps up
    /// until something gives (docs/SCALING.md).
    Scale {
        #[command(flatten)]
        args: bpio_bench::scale::Args,
        #[command(flatten)]
        output: Output,
    },
    /// A client that sets every device vibrating and waits to be killed (used by `measure`).
    #[command(hide = true)]
    HoldClient {
        #[arg(long)]
        url: String,
        #[arg(long)]
        device: u32,
        #[arg(long)]
        feature: u32,
        #[arg(long)]
        level: i64,
    },
}

/// What `mqtt` measures, and where.
#[derive(Debug, Args)]
struct MqttArgs {
    /// The broker, HOST:PORT.
    #[arg(long)]
    broker: String,
    /// The engine's topics, PREFIX/NAME.
    #[arg(long, default_value = "bpio/bench")]
    base: String,
    /// The engine's client websocket.
    #[arg(long)]
    url: String,
    /// The engine's device websocket.
    #[arg(long)]
    device_url: String,
    /// Fake devices the sessions share.
    #[arg(long, default_value_t = 8)]
    devices: usize,
    /// Sequential round trips of each kind.
    #[arg(long, default_value_t = 2000)]
    round_trips: usize,
    /// Remote sessions side by side, one step each.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64,200")]
    sessions: Vec<usize>,
    /// Seconds each step runs.
    #[arg(long, default_value_t = 3)]
    step_secs: u64,
    /// The engine's process id, for the processor time it takes.
    #[arg(long)]
    pid: Option<u32>,
    /// The broker's process id, likewise.
    #[arg(long)]
    broker_pid: Option<u32>,
}

impl MqttArgs {
    fn settings(self) -> bpio_bench::mqtt::Settings {
        let pids = [("engine", self.pid), ("broker", self.broker_pid)]
            .into_iter()
            .filter_map(|(name, pid)| Some((name.to_owned(), pid?)))
            .collect();
        bpio_bench::mqtt::Settings {
            broker: self.broker,
            base: self.base,
            url: self.url,
            device_url: self.device_url,
            devices: self.devices,
            round_trips: self.round_trips,
            sessions: self.sessions,
            step: Duration::from_secs(self.step_secs),
            pids,
        }
    }
}

/// How much to measure.
#[derive(Debug, Args)]
struct SettingsArgs {
    /// Connections whose handshake is timed.
    #[arg(long, default_value_t = Settings::default().handshakes)]
    handshakes: usize,
    /// Sequential round trips.
    #[arg(long, default_value_t = Settings::default().round_trips)]
    round_trips: usize,
    /// Commands in flight for the throughput figure.
    #[arg(long, default_value_t = Settings::default().pipeline_depth)]
    pipeline_depth: usize,
    /// Commands sent for the throughput figure.
    #[arg(long, default_value_t = Settings::default().pipelined)]
    pipelined: usize,
    /// Commands timed to the device.
    #[arg(long, default_value_t = Settings::default().latency_samples)]
    latency_samples: usize,
    /// The gap device's timing gap; must be what the server's user config says.
    #[arg(long, default_value_t = Settings::default().gap_ms)]
    gap_ms: u32,
    /// Rounds of each stop measurement.
    #[arg(long, default_value_t = Settings::default().stop_rounds)]
    stop_rounds: usize,
    /// Fake devices added for the per-device memory figure.
    #[arg(long, default_value_t = Settings::default().extra_devices)]
    extra_devices: usize,
    /// Numbers of extra fake devices at which memory is read (memory against devices).
    #[arg(long, value_delimiter = ',', default_values_t = Settings::default().extra_device_steps)]
    extra_device_steps: Vec<usize>,
    /// Also time round trips and client → device latency with a client and a device that spin
    /// on their sockets instead of parking (each on a thread of its own: two busy cores).
    #[arg(long)]
    spin: bool,
}

impl SettingsArgs {
    fn settings(&self) -> Settings {
        Settings {
            handshakes: self.handshakes,
            round_trips: self.round_trips,
            pipeline_depth: self.pipeline_depth,
            pipelined: self.pipelined,
            latency_samples: self.latency_samples,
            gap_ms: self.gap_ms,
            stop_rounds: self.stop_rounds,
            extra_devices: self.extra_devices,
            extra_device_steps: self.extra_device_steps.clone(),
            spin: self.spin,
            ..Settings::default()
        }
    }
}

#[derive(Debug, Args)]
struct Output {
    /// Write the JSON here instead of to standard output.
    #[arg(long)]
    json: Option<PathBuf>,
}

impl Output {
    fn write(&self, value: &Value) -> Result<()> {
        let text = serde_json::to_string_pretty(value)?;
        match &self.json {
            Some(path) => write_file(path, &text),
            None => {
                println!("{text}");
                Ok(())
            }
        }
    }
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, format!("{text}\n")).with_context(|| format!("writing {}", path.display()))
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// The runs in `paths` as one, by [`report::median_of`].
fn read_runs(paths: &[PathBuf]) -> Result<Value> {
    let runs: Vec<Value> = paths.iter().map(|path| read_json(path)).collect::<Result<_>>()?;
    Ok(report::median_of(&runs))
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    // Two workers, as bpio-engine has: the client and the fake devices need to run while the
    // flood is being sent.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(cli.command))
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Measure { url, device_url, pid, name, settings, output } => {
            let target = Target { name, url, device_url, pid };
            eprintln!("measuring {} at {}", target.name, target.url);
            output.write(&measure::run(&target, &settings.settings()).await?)
        }
        Command::Echo { settings, output } => {
            output.write(&measure_echo(&settings.settings()).await?)
        }
        Command::EchoServer { port } => {
            let listener = echo::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
            println!("listening on ws://{}", listener.local_addr()?);
            echo::serve(listener).await;
            Ok(())
        }
        Command::UserConfig { gap_ms, output } => output.write(&config::user_config(gap_ms)),
        Command::Memory { url, pid, devices, output } => {
            output.write(&measure::scanned_memory(&url, pid, devices).await?)
        }
        Command::Soak {
            url,
            device_url,
            pid,
            devices,
            fake_devices,
            rate_hz,
            warmup_secs,
            secs,
            clients,
            output,
        } => {
            let settings = SoakSettings {
                rate_hz,
                warmup: Duration::from_secs(warmup_secs),
                duration: Duration::from_secs(secs),
                devices,
                fake_devices,
                clients,
                churn: clients > 1,
                ..SoakSettings::default()
            };
            eprintln!("soaking {url} for {warmup_secs} + {secs} s at {rate_hz} Hz per output");
            output.write(&soak::run(&url, device_url.as_deref(), pid, &settings).await?)
        }
        Command::SerialDevice { user_config } => {
            let device = serial::PtyDevice::start()?;
            write_file(&user_config, &serial::user_config(device.path()).to_string())?;
            println!("serial device at {}", device.path());
            std::future::pending::<()>().await;
            Ok(())
        }
        Command::Report {
            bpio,
            echo,
            reference,
            simulated,
            soak,
            out,
            latency_svg,
            memory_svg,
        } => {
            let servers = [("bpio", &bpio), ("reference", &reference), ("echo", &echo)];
            draw_charts(servers, latency_svg.as_deref(), memory_svg.as_deref())?;
            let mut ours = read_runs(&bpio)?;
            if !simulated.is_empty() {
                ours["simulated"] = read_runs(&simulated)?;
            }
            for (mode, path) in &soak {
                ours["soak"][mode] = read_json(path)?;
            }
            let reference = if reference.is_empty() { None } else { Some(read_runs(&reference)?) };
            let results = report::Results { ours, echo: read_runs(&echo)?, reference };
            print!("{}", results.table());
            if let Some(path) = out {
                write_file(&path, &serde_json::to_string_pretty(&results.to_json(machine()))?)?;
            }
            let missed = results.missed();
            if !missed.is_empty() {
                println!("bpio missed {} target(s): {}", missed.len(), missed.join(", "));
            }
            Ok(())
        }
        Command::Mqtt { settings, output } => {
            let figures = bpio_bench::mqtt::run(&settings.settings()).await?;
            print_mqtt(&figures);
            output.write(&figures)
        }
        Command::Scale { args, output } => {
            let settings = args.settings()?;
            let mode = format!("{:?}", settings.mode).to_lowercase();
            eprint!("{}", bpio_bench::scale::table_header(&mode));
            let mut progress = |step: &Value| eprint!("{}", bpio_bench::scale::table_line(step));
            let figures = bpio_bench::scale::run(&settings, &mut progress).await?;
            output.write(&figures)
        }
        Command::HoldClient { url, device, feature, level } => {
            timings::hold_client(&url, device, feature, level).await
        }
    }
}

/// The table of an MQTT run.
fn print_mqtt(figures: &Value) {
    let us = |v: &Value| v.as_u64().map_or_else(|| "—".to_owned(), |v| format!("{v} µs"));
    eprintln!("{:<40}{:>12}{:>12}", "OutputCmd→Ok", "p50", "p99");
    for (name, key) in [("direct websocket", "direct"), ("through the broker", "broker")] {
        let f = &figures[key];
        eprintln!("{name:<40}{:>12}{:>12}", us(&f["p50_us"]), us(&f["p99_us"]));
    }
    eprintln!(
        "{:<12}{:>12}{:>12}{:>12}   cores busy (engine, broker, bench)",
        "sessions", "cmds/s", "p50", "p99"
    );
    for step in figures["scale"].as_array().into_iter().flatten() {
        let rt = &step["round_trip"];
        let cores = ["engine", "broker", "bench"]
            .map(|name| {
                step["cores"][name].as_f64().map_or_else(|| "—".to_owned(), |c| format!("{c:.2}"))
            })
            .join(", ");
        eprintln!(
            "{:<12}{:>12}{:>12}{:>12}   {cores}",
            step["sessions"].to_string(),
            step["commands_per_second"].to_string(),
            us(&rt["p50_us"]),
            us(&rt["p99_us"])
        );
    }
}

/// Draws the pictures of a run from every run of every server.
fn draw_charts(
    servers: [(&str, &Vec<PathBuf>); 3],
    latency: Option<&Path>,
    memory: Option<&Path>,
) -> Result<()> {
    let mut runs = Vec::new();
    for (name, paths) in servers {
        runs.push((name, paths.iter().map(|path| read_json(path)).collect::<Result<Vec<_>>>()?));
    }
    let servers: Vec<chart::Server<'_>> =
        runs.iter().map(|(name, runs)| chart::Server { name, runs }).collect();
    draw(latency, || chart::latency_svg(&servers))?;
    draw(memory, || chart::memory_svg(&servers))
}

/// Writes the picture `svg` draws to `path`, when there is a path; a picture with nothing to draw
/// is left out with a note.
fn draw(path: Option<&Path>, svg: impl FnOnce() -> Result<String>) -> Result<()> {
    let Some(path) = path else { return Ok(()) };
    match svg() {
        Ok(svg) => write_file(path, &svg),
        Err(err) => {
            eprintln!("{} is left out: {err:#}", path.display());
            Ok(())
        }
    }
}

/// `MODE=PATH` of `report --soak`.
fn parse_soak(text: &str) -> Result<(String, PathBuf), String> {
    let (mode, path) = text.split_once('=').ok_or("expected MODE=PATH")?;
    Ok((mode.to_owned(), PathBuf::from(path)))
}

/// Starts `echo-server` as a child process (a server of its own, as bpio-engine is) and
/// measures it.
async fn measure_echo(settings: &Settings) -> Result<Value> {
    let exe = std::env::current_exe().context("finding this program")?;
    let mut child = tokio::process::Command::new(exe)
        .arg("echo-server")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting the echo server")?;
    let stdout = child.stdout.take().context("the echo server's output")?;
    let line =
        tokio::time::timeout(Duration::from_secs(10), BufReader::new(stdout).lines().next_line())
            .await
            .context("the echo server did not start")??;
    let Some(url) = line.as_deref().and_then(|l| l.strip_prefix("listening on ")) else {
        bail!("unexpected output from the echo server: {line:?}");
    };
    let target =
        Target { name: "echo".into(), url: url.to_owned(), device_url: None, pid: child.id() };
    eprintln!("measuring the echo baseline at {url}");
    let result = measure::run(&target, settings).await;
    let _ = child.kill().await;
    result
}

/// What the figures were measured on.
fn machine() -> Value {
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|info| {
        info.lines()
            .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
            .map(|(_, name)| name.trim().to_owned())
    });
    json!({"cores": cores, "cpu": cpu, "os": std::env::consts::OS})
}
