//! `git track completions`: the scripts driven through real shells.

use crate::common;

use common::TestRepo;
use std::path::Path;

/// git's own bash completion, as Debian's bash-completion package installs it.
const GIT_BASH_COMPLETION: &str = "/usr/share/bash-completion/completions/git";

/// A repository with tracks `api` and `web` (in experiment `cache`, owner `ann`) and a remote.
fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.track(&["new", "api", "--no-worktree"]).ok();
    repo.track(&[
        "new",
        "web",
        "--no-worktree",
        "--experiment",
        "cache",
        "--hypothesis",
        "a cache helps",
        "--owner",
        "ann",
    ])
    .ok();
    repo.git(&["remote", "add", "upstream", "/nowhere"]);
    repo
}

/// Runs `script` in bash in the repository, with the completion script at `completion`.
fn bash(repo: &TestRepo, script: &str) -> String {
    let out = repo
        .command("bash", &repo.root)
        .arg("-c")
        .arg(script)
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "bash failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write_script(repo: &TestRepo, shell: &str) -> std::path::PathBuf {
    let out = repo.track(&["completions", shell]);
    out.ok();
    let path = repo.tmp.path().join(format!("completion.{shell}"));
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

/// A bash function `t WORD...` that completes the last word as bash would (the line typed
/// so far in COMP_WORDS, bash's own split at '=' included) and prints COMPREPLY.
const BASH_DRIVER: &str = r#"
t() {
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    local spec; spec=$(complete -p "$1") || return 1
    local fn=${spec##*-F }; fn=${fn%% *}
    "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf '%s|' "${COMPREPLY[@]}"; echo
}
"#;

#[test]
fn bash_completes_git_track_through_gits_own_completion() {
    if !Path::new(GIT_BASH_COMPLETION).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{GIT_BASH_COMPLETION} is missing; .ci/run installs bash-completion"
        );
        eprintln!("skipped: git's bash completion is not at {GIT_BASH_COMPLETION}");
        return;
    }
    let repo = repo();
    let script = write_script(&repo, "bash");
    let out = bash(
        &repo,
        &format!(
            "source {GIT_BASH_COMPLETION}
             source {}
             {BASH_DRIVER}
             complete -p git
             type _git_track | head -1
             t git track st
             t git track ''
             t git track show ''
             t git track overlap --level ''
             t git track overlap --level = h
             t git track edit api --experiment ''
             t git track edit api --owner a
             t git -C . track sh
             t git track merge --i
             t git tr",
            script.display()
        ),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].contains("-F __git_wrap__git_main git"), "{out}");
    assert_eq!(lines[1], "_git_track is a function", "{out}");
    assert_eq!(lines[2], "status |", "{out}");
    for sub in [
        "init ",
        "new ",
        "status ",
        "overlap ",
        "merge ",
        "completions ",
    ] {
        assert!(lines[3].split('|').any(|c| c == sub), "{sub}: {out}");
    }
    assert!(!lines[3].contains("__complete"), "{out}");
    assert_eq!(lines[4], "api |web |", "{out}");
    assert_eq!(lines[5], "files |hunks |conflicts |", "{out}");
    assert_eq!(lines[6], "hunks |", "{out}");
    assert_eq!(lines[7], "cache |", "{out}");
    assert_eq!(lines[8], "ann |", "{out}");
    assert_eq!(lines[9], "show |", "{out}");
    assert_eq!(lines[10], "--into |", "{out}");
    // git's completion lists git-track among git's commands, as it does any git-* on PATH.
    assert_eq!(lines[11], "track |", "{out}");
}

#[test]
fn bash_completes_git_track_without_gits_completion() {
    let repo = repo();
    let script = write_script(&repo, "bash");
    let out = bash(
        &repo,
        &format!(
            "source {}
             {BASH_DRIVER}
             complete -p git-track
             t git-track ch
             t git-track merge ''
             t git-track check --format ''",
            script.display()
        ),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].ends_with("git-track"), "{out}");
    assert_eq!(lines[1], "checkpoints |check |", "{out}");
    assert_eq!(lines[2], "api |web |", "{out}");
    assert!(lines[3].starts_with("text |json |claude-code |"), "{out}");
}

#[test]
fn bash_completion_outside_a_repository_offers_no_live_values_and_no_error() {
    let repo = repo();
    let script = write_script(&repo, "bash");
    let outside = repo.tmp.path().join("home");
    let out = repo
        .command("bash", &outside)
        .arg("-c")
        .arg(format!(
            "source {}\n{BASH_DRIVER}\nt git-track show ''\nt git-track sta",
            script.display()
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, "|\nstatus |\n", "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
}

#[test]
fn zsh_script_passes_zshs_syntax_check_and_completes() {
    if !common::installed("zsh", &["-c", "exit 0"], "zsh") {
        return;
    }
    let repo = repo();
    let script = write_script(&repo, "zsh");
    let out = repo
        .command("zsh", &repo.root)
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(out.status.success(), "zsh -n: {out:?}");
    // Drive the function with compadd replaced by a printer: words and CURRENT as zsh's
    // git completion hands them over for `git track show <TAB>`.
    let out = repo
        .command("zsh", &repo.root)
        .arg("-f")
        .arg("-c")
        .arg(format!(
            "compadd() {{ shift; print -l -- \"$@\" }}
             _files() {{ print files }}
             source {}
             words=(track show ''); CURRENT=3; _git-track
             words=(git-track overlap --level=c); CURRENT=3; _git-track
             words=(git-track check --path ''); CURRENT=4; _git-track",
            script.display()
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "api\nweb\n--level=conflicts\nfiles\n",
        "{out:?}"
    );
}

#[test]
fn fish_script_passes_fishs_syntax_check_and_completes() {
    if !common::installed("fish", &["-c", "exit 0"], "fish") {
        return;
    }
    let repo = repo();
    let script = write_script(&repo, "fish");
    let out = repo
        .command("fish", &repo.root)
        .arg("--no-execute")
        .arg(&script)
        .output()
        .unwrap();
    assert!(out.status.success(), "fish -n: {out:?}");
    let out = repo
        .command("fish", &repo.root)
        .arg("--no-config")
        .arg("-c")
        .arg(format!(
            "source {}
             complete -C 'git-track sho'; echo ==
             complete -C 'git-track show '; echo ==
             complete -C 'git track edit web --experiment '; echo ==
             complete -C 'git-track overlap --level=h'",
            script.display()
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "show\n==\napi\nweb\n==\ncache\n==\n--level=hunks\n",
        "{out:?}"
    );
}
