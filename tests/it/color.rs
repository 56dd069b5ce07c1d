//! Colour as git decides it, and progress on stderr as git draws it.

use crate::common::scenarios;

use scenarios::{Scenario, numbered, replace, write};

const RED: &str = "\x1b[31m";

/// Tracks `a` and `b` that conflict on line 3 of f.txt.
fn conflicting() -> Scenario {
    let s = Scenario::new(&[("f.txt", &numbered(10))]);
    s.track("a", &[], |wt| {
        write(wt, "f.txt", &replace(&numbered(10), &[(3, "a")]))
    });
    s.track("b", &[], |wt| {
        write(wt, "f.txt", &replace(&numbered(10), &[(3, "b")]))
    });
    s
}

/// `git-track <args>` with stdout on a terminal (through script(1)); what it printed.
fn on_terminal(s: &Scenario, env: &[(&str, &str)], args: &str) -> String {
    let mut cmd = s.repo.command("script", &s.repo.root);
    cmd.args(["-q", "-e", "-c", &format!("git-track {args}"), "/dev/null"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("script(1) from util-linux");
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

const OVERLAP: &str = "overlap --level conflicts";

#[test]
fn auto_colours_a_terminal_and_not_a_pipe() {
    let s = conflicting();
    let piped = s.repo.track(&["overlap", "--level", "conflicts"]);
    piped.code(1).stdout_has("CONFLICT");
    assert!(!piped.stdout.contains('\x1b'), "{:?}", piped.stdout);
    let tty = on_terminal(&s, &[], OVERLAP);
    assert!(tty.contains(&format!("{RED}CONFLICT\x1b[m")), "{tty:?}");
}

#[test]
fn always_colours_a_pipe_but_never_json() {
    let s = conflicting();
    let out = s
        .repo
        .track(&["overlap", "--level", "conflicts", "--color=always"]);
    assert!(
        out.stdout.contains(&format!("{RED}CONFLICT")),
        "{:?}",
        out.stdout
    );
    let bare = s
        .repo
        .track(&["--color", "overlap", "--level", "conflicts"]);
    assert_eq!(bare.stdout, out.stdout, "--color alone means always");
    let json = s.repo.track(&[
        "overlap",
        "--level",
        "conflicts",
        "--json",
        "--color=always",
    ]);
    assert!(!json.stdout.contains('\x1b'));
    json.json();
    // color.ui=always too: still no colour in JSON.
    s.repo.git(&["config", "color.ui", "always"]);
    let json = s.repo.track(&["status", "--json"]);
    assert!(!json.stdout.contains('\x1b'));
}

#[test]
fn never_wins_over_a_terminal_and_over_color_ui_always() {
    let s = conflicting();
    s.repo.git(&["config", "color.ui", "always"]);
    let out = s
        .repo
        .track(&["overlap", "--level", "conflicts", "--color=never"]);
    assert!(!out.stdout.contains('\x1b'));
    let tty = on_terminal(&s, &[], &format!("{OVERLAP} --color=never"));
    assert!(tty.contains("CONFLICT") && !tty.contains('\x1b'), "{tty:?}");
}

#[test]
fn color_ui_false_turns_colour_off_on_a_terminal_and_color_track_overrides_it() {
    let s = conflicting();
    s.repo.git(&["config", "color.ui", "false"]);
    let tty = on_terminal(&s, &[], OVERLAP);
    assert!(tty.contains("CONFLICT") && !tty.contains('\x1b'), "{tty:?}");
    // color.track speaks for git-track alone, before color.ui.
    s.repo.git(&["config", "color.track", "always"]);
    let out = s.repo.track(&["overlap", "--level", "conflicts"]);
    assert!(out.stdout.contains(RED), "{:?}", out.stdout);
    s.repo.git(&["config", "color.track", "never"]);
    s.repo.git(&["config", "color.ui", "always"]);
    let out = s.repo.track(&["overlap", "--level", "conflicts"]);
    assert!(!out.stdout.contains('\x1b'));
}

#[test]
fn no_color_turns_colour_off_unless_the_command_line_asks() {
    let s = conflicting();
    let tty = on_terminal(&s, &[("NO_COLOR", "1")], OVERLAP);
    assert!(tty.contains("CONFLICT") && !tty.contains('\x1b'), "{tty:?}");
    s.repo.git(&["config", "color.ui", "always"]);
    let tty = on_terminal(&s, &[("NO_COLOR", "1")], OVERLAP);
    assert!(!tty.contains('\x1b'), "NO_COLOR beats config: {tty:?}");
    let tty = on_terminal(
        &s,
        &[("NO_COLOR", "1")],
        &format!("{OVERLAP} --color=always"),
    );
    assert!(
        tty.contains(RED),
        "the command line beats NO_COLOR: {tty:?}"
    );
}

#[test]
fn conflicts_and_violations_stand_out_in_status_merge_and_check() {
    let s = conflicting();
    // c changes a file outside its scope.
    s.track("c", &["src/**"], |wt| write(wt, "other.txt", "x\n"));
    let status = s.repo.track(&["status", "--color=always"]);
    assert!(
        status.stdout.contains(&format!("{RED}other.txt\x1b[m")),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("\x1b[1mTRACK\x1b[m"),
        "{}",
        status.stdout
    );
    let check = s.repo.track(&["check", "c", "--color=always"]);
    check.code(1);
    assert!(check.stdout.starts_with(RED), "{:?}", check.stdout);
    let plan = s
        .repo
        .track(&["merge", "a", "b", "--dry-run", "--color=always"]);
    assert!(
        plan.stdout.contains(&format!("{RED}conflict in f.txt")),
        "{}",
        plan.stdout
    );
    let run = s.repo.track(&["merge", "a", "b", "--color=always"]);
    run.code(1);
    assert!(
        run.stdout.starts_with(&format!("{RED}CONFLICT")),
        "{}",
        run.stdout
    );
    let status = s.repo.track(&["status", "--color=always"]);
    assert!(
        status
            .stdout
            .contains(&format!("merge in progress: {RED}conflict\x1b[m")),
        "{}",
        status.stdout
    );
}

#[test]
fn progress_is_drawn_on_stderr_when_asked_and_not_into_a_pipe() {
    let s = Scenario::new(&[("f.txt", &numbered(10))]);
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        s.track(name, &[], |wt| {
            write(wt, &format!("{name}.txt"), &i.to_string())
        });
    }
    // Cold: every track merged in memory; then from the cache: nothing to show.
    let cold = s.repo.track(&["overlap", "--progress"]);
    cold.ok();
    assert!(
        cold.stderr
            .contains("Merging tracks in memory: 100% (3/3), done.\n"),
        "{:?}",
        cold.stderr
    );
    assert!(
        cold.stderr.contains("\r"),
        "redrawn in place: {:?}",
        cold.stderr
    );
    let warm = s.repo.track(&["overlap", "--progress"]);
    assert!(!warm.stderr.contains("Merging"), "{:?}", warm.stderr);

    let quiet = s.repo.track(&["merge", "--dry-run", "--quiet"]);
    assert_eq!(quiet.stderr, "");
    let piped = s.repo.track(&["merge"]);
    piped.ok();
    assert!(!piped.stderr.contains("Merging"), "{:?}", piped.stderr);
    s.track("d", &[], |wt| write(wt, "d.txt", "d"));
    s.track("e", &[], |wt| write(wt, "e.txt", "e"));
    let shown = s.repo.track(&["merge", "--progress", "--json"]);
    shown.ok().json();
    assert!(
        shown.stderr.contains("Merging tracks: 100% (2/2), done.\n"),
        "{:?}",
        shown.stderr
    );
    assert!(
        shown.stderr.contains("Merging tracks:  50% (1/2)\r"),
        "{:?}",
        shown.stderr
    );
}

#[test]
fn no_progress_and_quiet_silence_a_terminal() {
    let s = Scenario::new(&[("f.txt", &numbered(10))]);
    s.track("a", &[], |wt| write(wt, "a.txt", "a"));
    let mut cmd = s.repo.command("script", &s.repo.root);
    // stderr on the terminal too; --no-progress and -q both keep it clean.
    cmd.args([
        "-q",
        "-e",
        "-c",
        "git-track overlap --no-progress && git-track -q overlap",
        "/dev/null",
    ]);
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Merging"), "{text:?}");
}

#[test]
fn exec_and_prune_show_progress_when_asked() {
    let s = Scenario::new(&[("f.txt", &numbered(10))]);
    s.track("a", &[], |wt| write(wt, "a.txt", "a"));
    s.track("b", &[], |wt| write(wt, "b.txt", "b"));
    let exec = s.repo.track(&["exec", "--all", "--progress", "--", "true"]);
    exec.ok();
    assert!(
        exec.stderr
            .contains("Running in tracks: 100% (2/2), done.\n"),
        "{:?}",
        exec.stderr
    );
    s.repo.track(&["merge"]).ok();
    let prune = s.repo.track(&["prune", "--dry-run", "--progress"]);
    prune.ok();
    assert!(
        prune.stderr.contains("Pruning tracks: 100% (2/2), done.\n"),
        "{:?}",
        prune.stderr
    );
    let piped = s.repo.track(&["exec", "--all", "--", "true"]);
    assert!(!piped.stderr.contains("Running in"), "{:?}", piped.stderr);
}
