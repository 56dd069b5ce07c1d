//! Conventions a git user expects from the command line.

use crate::common;
use common::TestRepo;

#[test]
fn git_track_help_opens_the_manual_page() {
    let repo = TestRepo::new();
    // git turns `git track --help` into `man git-track`; a stand-in viewer shows the page asked for.
    let out = repo.try_git_in(
        &repo.root,
        &[
            "-c",
            "man.viewer=show",
            "-c",
            "man.show.cmd=echo VIEWING",
            "track",
            "--help",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "VIEWING git-track");
}

#[test]
fn the_manual_page_renders_with_man() {
    let page = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man/git-track.1");
    // No silent skip: without man this fails, naming what to install (`.ci/run` does).
    let out = std::process::Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "80")
        .output()
        .expect("`man` is needed to check the manual page renders: install man-db");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for section in [
        "NAME",
        "SYNOPSIS",
        "COMMANDS",
        "CONFIGURATION",
        "EXIT STATUS",
    ] {
        assert!(text.contains(section), "{section} missing:\n{text}");
    }
    assert!(text.contains("git track new [OPTIONS] <name>"), "{text}");
}

#[test]
fn dash_h_prints_short_help() {
    let repo = TestRepo::new();
    let out = repo.track(&["-h"]);
    out.ok().stdout_has("Usage: git track").stdout_has("new");
    let out = repo.track(&["new", "-h"]);
    out.ok().stdout_has("--scope <glob>");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let repo = TestRepo::new();
    for i in 0..30 {
        repo.track(&["new", &format!("t{i:02}"), "--no-worktree"])
            .ok();
    }
    let mut child = repo
        .command(common::bin(), &repo.root)
        .args(["list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

#[test]
fn git_dir_from_the_environment_is_honoured() {
    let repo = TestRepo::new();
    let elsewhere = repo.tmp.path().join("home");
    let out = repo
        .command(common::bin(), &elsewhere)
        .env("GIT_DIR", repo.root.join(".git"))
        .args(["new", "a", "--no-worktree"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo.git(&["rev-parse", "--verify", "refs/tracks/a"]);
}

#[test]
fn global_options_are_taken_before_and_after_the_command() {
    let repo = TestRepo::new();
    repo.track(&["-q", "new", "a", "--no-worktree"]).ok();
    repo.track(&["new", "b", "--no-worktree", "-q"]).ok();
    repo.track(&["--color=never", "list", "--no-progress"])
        .ok()
        .stdout_has("a")
        .stdout_has("b");
    repo.track(&["lst"])
        .code(2)
        .stderr_has("a similar subcommand exists: 'list'");
}

#[test]
fn a_dash_c_folder_named_like_a_command_is_a_folder() {
    let repo = TestRepo::new();
    // `list` is the folder; `new` the command. Told apart by -C taking a value, and when
    // a cluster of short options hides that (-qC), by the whole definition.
    let parent = repo.tmp.path().join("beside");
    std::fs::create_dir_all(&parent).unwrap();
    std::os::unix::fs::symlink(&repo.root, parent.join("list")).unwrap();
    repo.track_in(&parent, &["-C", "list", "new", "a", "--no-worktree"])
        .ok();
    repo.track_in(&parent, &["-qC", "list", "new", "b", "--no-worktree"])
        .ok();
    repo.git(&["rev-parse", "--verify", "refs/tracks/a"]);
    repo.git(&["rev-parse", "--verify", "refs/tracks/b"]);
}

/// On Linux the binary is linked at a fixed address (see `build.rs`): a
/// position-independent one spends 0.6 ms of every start relocating itself. Packagers
/// may ask for one with `GIT_TRACK_PIE=1`, which this then leaves alone.
#[cfg(target_os = "linux")]
#[test]
fn the_binary_needs_no_relocating_at_start_on_linux() {
    if std::env::var_os("GIT_TRACK_PIE").is_some_and(|v| v != "0") {
        return;
    }
    use std::io::Read as _;
    let mut elf = [0u8; 18];
    std::fs::File::open(common::bin())
        .and_then(|mut f| f.read_exact(&mut elf))
        .expect("read the binary's header");
    // e_type, little-endian at offset 16: 2 is a fixed-address executable, 3 a shared
    // object (which a position-independent executable is).
    assert_eq!(&elf[..4], b"\x7fELF");
    assert_eq!(
        u16::from_le_bytes([elf[16], elf[17]]),
        2,
        "not linked at a fixed address"
    );
}
