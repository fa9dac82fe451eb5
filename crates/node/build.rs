//! Builds the small C++ V8 shim against the Node headers found (those of the Node that will
//! load the addon, or the newest supported line's for the prebuilt binary). The shim links no
//! V8 symbol: it finds V8's entry points by name at run time (shim/v8_api.cc) and keeps V8's
//! structs off its stack, so one build serves every supported line. The headers' ABI and V8
//! build flags are still recorded: the loader checks them for a source build.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

// The config.gypi reader lives in the core, which unit-tests it; the binding reports the flags.
use leakwatch_core::gypi;

fn main() {
    napi_build::setup();
    println!("cargo:rerun-if-changed=shim");
    for var in ["NODE_INCLUDE_DIR", "npm_config_nodedir", "LEAKWATCH_NODE"] {
        println!("cargo:rerun-if-env-changed={var}");
    }

    let (include, searched) = match find_node_headers() {
        Some(found) => found,
        None => fail_without_headers(),
    };
    let version_h = fs::read_to_string(include.join("node_version.h")).unwrap_or_default();
    let abi = define_value(&version_h, "NODE_MODULE_VERSION");
    let major = define_value(&version_h, "NODE_MAJOR_VERSION");
    let (abi, major) = match (abi, major) {
        (Some(abi), Some(major)) => (abi, major),
        _ => panic!(
            "leakwatch: {} has no NODE_MODULE_VERSION/NODE_MAJOR_VERSION; is it a Node include dir? (searched: {searched})",
            include.display()
        ),
    };
    println!("cargo:rustc-env=LEAKWATCH_NODE_ABI={abi}");
    println!(
        "cargo:rerun-if-changed={}",
        include.join("node_version.h").display()
    );
    let flags = v8_flags(&include);
    // The loader compares these with the running Node's process.config before any V8 call.
    println!(
        "cargo:rustc-env=LEAKWATCH_V8_FLAGS={}",
        gypi::encode(&flags)
    );

    let mut build = cc::Build::new();
    build
        .cpp(true)
        .file("shim/gc_hook.cc")
        .file("shim/heap_snapshot.cc")
        .file("shim/sampling_profiler.cc")
        .file("shim/v8_api.cc")
        .file("shim/loop_wake.cc")
        .include(&include)
        .include("shim")
        .flag(cxx_standard(&include, major))
        .flag("-fno-exceptions")
        .flag("-fno-rtti")
        .flag_if_supported("-Wno-unused-parameter")
        .warnings(true);
    for define in gypi::v8_defines(&flags) {
        build.define(define, None);
    }
    build.compile("leakwatch_shim");
    // dlsym (v8_api.cc): in libc from glibc 2.34, in libdl before.
    println!("cargo:rustc-link-lib=dl");
}

/// Where the headers may be, in the order the brief gives; the first with node_version.h wins.
fn find_node_headers() -> Option<(PathBuf, String)> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(dir) = env::var("NODE_INCLUDE_DIR") {
        candidates.push(PathBuf::from(dir));
    }
    if let Ok(dir) = env::var("npm_config_nodedir") {
        candidates.push(Path::new(&dir).join("include/node"));
    }
    let node = env::var("LEAKWATCH_NODE").unwrap_or_else(|_| "node".into());
    let exec_path = Command::new(&node)
        .args(["-p", "process.execPath + '\\n' + process.version"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok());
    if let Some(out) = exec_path {
        let mut lines = out.lines();
        if let (Some(exec), Some(version)) = (lines.next(), lines.next()) {
            if let Some(prefix) = Path::new(exec).parent().and_then(Path::parent) {
                candidates.push(prefix.join("include/node"));
            }
            if let Ok(home) = env::var("HOME") {
                let v = version.trim_start_matches('v');
                candidates.push(
                    Path::new(&home)
                        .join(".cache/node-gyp")
                        .join(v)
                        .join("include/node"),
                );
                candidates.push(
                    Path::new(&home)
                        .join(".node-gyp")
                        .join(v)
                        .join("include/node"),
                );
            }
        }
    }
    let searched = candidates
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    candidates
        .into_iter()
        .find(|dir| dir.join("node_version.h").is_file() && dir.join("v8.h").is_file())
        .map(|dir| (dir, searched))
}

fn fail_without_headers() -> ! {
    eprintln!(
        "\nleakwatch: cannot find the Node.js C++ headers (node_version.h and v8.h).\n\
         Searched: $NODE_INCLUDE_DIR, $npm_config_nodedir/include/node, <node execPath>/../../include/node,\n\
         ~/.cache/node-gyp/<version>/include/node and ~/.node-gyp/<version>/include/node.\n\
         Fixes (any one):\n\
         - set NODE_INCLUDE_DIR=/path/to/include/node (the folder holding v8.h),\n\
         - run `npx node-gyp install` to download the headers for this Node into node-gyp's cache,\n\
         - install your distribution's Node development package (e.g. Debian's libnode-dev / nodejs-dev),\n\
         - use an official Node.js build, which ships include/node beside bin/node.\n"
    );
    std::process::exit(1);
}

fn define_value(header: &str, name: &str) -> Option<u32> {
    header.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("#define"), Some(n), Some(value)) if n == name => value.parse().ok(),
            _ => None,
        }
    })
}

/// The C++ standard from Node's own common.gypi (gnu++20 from Node 23 on, gnu++17 before).
fn cxx_standard(include: &Path, major: u32) -> &'static str {
    let gypi = fs::read_to_string(include.join("common.gypi")).unwrap_or_default();
    if gypi.contains("-std=gnu++20") {
        "-std=gnu++20"
    } else if gypi.contains("-std=gnu++17") {
        "-std=gnu++17"
    } else if major >= 23 {
        "-std=gnu++20"
    } else {
        "-std=gnu++17"
    }
}

/// The V8 build flags of the Node whose headers these are: its config.gypi, else (a header
/// set without one) the `process.config` of the Node the build runs for. Defines that change
/// V8's object layout must match that Node's build, so neither found is an error, not a guess.
fn v8_flags(include: &Path) -> BTreeMap<&'static str, u32> {
    let config_gypi = include.join("config.gypi");
    println!("cargo:rerun-if-changed={}", config_gypi.display());
    let from_gypi = fs::read_to_string(&config_gypi)
        .map_err(|e| e.to_string())
        .and_then(|text| gypi::parse(&text))
        .and_then(|config| gypi::v8_flags(&config));
    let gypi_error = match from_gypi {
        Ok(flags) => return flags,
        Err(e) => e,
    };
    let node = env::var("LEAKWATCH_NODE").unwrap_or_else(|_| "node".into());
    let from_node = Command::new(&node)
        .args(["-p", "JSON.stringify(process.config)"])
        .output()
        .map_err(|e| e.to_string())
        .and_then(|o| String::from_utf8(o.stdout).map_err(|e| e.to_string()))
        .and_then(|text| gypi::parse(text.trim()))
        .and_then(|config| gypi::v8_flags(&config));
    match from_node {
        Ok(flags) => {
            println!(
                "cargo:warning=leakwatch: cannot read {} ({gypi_error}); using the V8 flags of `{node}` (process.config) instead",
                config_gypi.display()
            );
            flags
        }
        Err(node_error) => panic!(
            "leakwatch: cannot tell how V8 was built: {} ({gypi_error}), and `{node} -p process.config` failed ({node_error}). \
             Point NODE_INCLUDE_DIR at the include/node folder of the Node that will load the addon (it holds config.gypi).",
            config_gypi.display()
        ),
    }
}
