//! Reads one `.heapsnapshot`, computes its dominators and prints the timings:
//! `cargo run --release -p leakwatch-analyze --example analyze_file -- FILE [--ids] [--dump OUT]`
//! (`--dump` writes `id retained dominator-id` per node, to compare with memlab's).
//! A measuring tool for the reader and the dominator tree, not part of the CLI.

use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: analyze_file FILE [--ids]");
        std::process::exit(2);
    };
    let path = Path::new(path);
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mb = bytes as f64 / 1e6;
    let mut progress = |_done: u64| {};
    if args.iter().any(|a| a == "--ids") {
        let (t, c) = (Instant::now(), cpu_seconds());
        match leakwatch_analyze::read_node_ids(path, &mut progress) {
            Ok(ids) => {
                let (s, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
                println!(
                    "ids: {} in {s:.3} s ({:.0} MB/s), on CPU {cpu:.3} s ({:.0} MB/s)",
                    ids.len(),
                    mb / s,
                    mb / cpu
                );
            }
            Err(e) => fail(&e),
        }
        return;
    }
    let (t, c) = (Instant::now(), cpu_seconds());
    let g = match leakwatch_analyze::read_file(path, &mut progress) {
        Ok(g) => g,
        Err(e) => fail(&e),
    };
    let (read, read_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    let (t, c) = (Instant::now(), cpu_seconds());
    let d = leakwatch_analyze::dominators(&g);
    let (dom, dom_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    println!(
        "file: {mb:.1} MB, {} nodes, {} edges, {} strings",
        g.node_count(),
        g.edge_count(),
        g.strings.len()
    );
    println!(
        "read: {read:.3} s ({:.0} MB/s), on CPU {read_cpu:.3} s ({:.0} MB/s), graph {:.1} MB",
        mb / read,
        mb / read_cpu,
        g.memory_bytes() as f64 / 1e6
    );
    println!(
        "dominators: {dom:.3} s, on CPU {dom_cpu:.3} s, root retains {} bytes",
        d.retained_size.first().copied().unwrap_or(0)
    );
    if let Some(i) = args.iter().position(|a| a == "--dump") {
        let mut out = String::new();
        for n in 0..g.node_count() {
            let dom = g.node_id[d.idom[n] as usize];
            out.push_str(&format!(
                "{} {} {}\n",
                g.node_id[n], d.retained_size[n], dom
            ));
        }
        if let Err(e) = std::fs::write(
            args.get(i + 1).map(String::as_str).unwrap_or("dump.txt"),
            out,
        ) {
            eprintln!("analyze_file: cannot write the dump: {e}");
        }
    }
    let mut top: Vec<usize> = (1..g.node_count()).collect();
    top.sort_unstable_by_key(|&i| std::cmp::Reverse(d.retained_size[i]));
    for &i in top.iter().take(5) {
        println!(
            "  @{} {:?} {:?}: retained {}",
            g.node_id[i],
            g.node_type[i],
            g.name(i),
            d.retained_size[i]
        );
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM")) {
            println!("peak RSS: {}", line.trim_start_matches("VmHWM:").trim());
        }
    }
}

/// Seconds this process has run on a CPU (`/proc/self/schedstat`), to measure on a busy
/// machine where wall time includes waiting for a core.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|ns| ns.parse::<f64>().ok())
        })
        .map_or(0.0, |ns| ns / 1e9)
}

fn fail(e: &leakwatch_analyze::ReadError) -> ! {
    eprintln!("analyze_file: {e}");
    std::process::exit(1);
}
