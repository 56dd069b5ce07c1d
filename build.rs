//! Links the `git-track` binary at a fixed address on Linux (`-no-pie`).
//!
//! A position-independent executable of this size carries 26,000 relocations that the
//! loader applies at every start, copying the ~110 pages they touch: 0.6 ms of a
//! process whose commands take a few milliseconds (a tenth of a `git track new`). Heap,
//! stack and shared libraries stay randomised; only the binary's own addresses are
//! fixed. Packagers whose policy wants a position-independent executable build with
//! `GIT_TRACK_PIE=1`.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=GIT_TRACK_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    let pie_wanted = std::env::var_os("GIT_TRACK_PIE").is_some_and(|v| v != "0");
    if linux && !pie_wanted {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
