//! `git track report`: one self-contained HTML page, rendered by a real browser.

use crate::common;
use crate::common::scenarios;

use scenarios::{Scenario, numbered, replace, write};
use std::path::{Path, PathBuf};

/// Eight tracks: a dependency chain core <- api <- web <- e2e, an experiment (cache-lru
/// and cache-ttl competing on one file), overlaps (api, web and cli share f.txt; api and web
/// conflict on line 3), and two checkpoints (core, then docs, merged).
fn eight_tracks() -> Scenario {
    let s = Scenario::new(&[("f.txt", &numbered(20)), ("g.txt", "g\n")]);
    s.track("core", &["src/core/**"], |wt| {
        write(wt, "src/core/lib.txt", "core\n")
    });
    s.track("docs", &["g.txt"], |wt| write(wt, "g.txt", "docs\n"));
    s.track("api", &["f.txt"], |wt| {
        write(wt, "f.txt", &replace(&numbered(20), &[(3, "api")]))
    });
    s.track("web", &["f.txt"], |wt| {
        write(wt, "f.txt", &replace(&numbered(20), &[(3, "web")]))
    });
    s.track("cli", &["f.txt"], |wt| {
        write(wt, "f.txt", &replace(&numbered(20), &[(15, "cli")]))
    });
    s.track("e2e", &["tests/**"], |wt| {
        write(wt, "tests/e2e.txt", "e2e\n")
    });
    // e2e strays outside its scope.
    s.repo.commit_all_in(&s.repo.worktree("e2e"), "e2e: more");
    write(&s.repo.worktree("e2e"), "h.txt", "outside\n");
    s.repo
        .commit_all_in(&s.repo.worktree("e2e"), "e2e: outside");
    for (name, line) in [("cache-lru", "lru"), ("cache-ttl", "ttl")] {
        s.track(name, &["src/cache.txt"], |wt| {
            write(wt, "src/cache.txt", &format!("{line}\n"))
        });
        s.repo
            .track(&[
                "edit",
                name,
                "--experiment",
                "cache",
                "--hypothesis",
                &format!("{line} wins"),
                "--owner",
                "agent-2",
            ])
            .ok();
    }
    for (name, dep) in [("api", "core"), ("web", "api"), ("e2e", "web")] {
        s.repo.track(&["edit", name, "--depends-on", dep]).ok();
    }
    s.repo.track(&["edit", "api", "--owner", "agent-1"]).ok();
    s.repo.track(&["merge", "core", "--checkpoint"]).ok();
    s.repo.track(&["merge", "docs", "--checkpoint"]).ok();
    s
}

const TRACKS: [&str; 8] = [
    "api",
    "cache-lru",
    "cache-ttl",
    "cli",
    "core",
    "docs",
    "e2e",
    "web",
];

/// The JSON the page carries.
fn embedded(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/json\" id=\"git-track-data\">")
        .expect("the data element")
        + "<script type=\"application/json\" id=\"git-track-data\">".len();
    let end = start + html[start..].find("</script>").expect("its end");
    serde_json::from_str(&html[start..end].replace("<\\/", "</")).expect("JSON data")
}

#[test]
fn the_report_is_one_self_contained_page_built_from_the_json_documents() {
    let s = eight_tracks();
    let path = s.repo.tmp.path().join("out/report.html");
    let out = s
        .repo
        .track(&["report", "--output", path.to_str().unwrap()]);
    out.ok();
    assert_eq!(out.stdout.trim(), path.display().to_string());
    let html = std::fs::read_to_string(&path).unwrap();
    // Nothing to load from anywhere: no URL, no external script, style, font or image.
    for needle in [
        "http://", "https://", "<link", "@import", " src=", "//cdn", "url(http",
    ] {
        assert!(!html.contains(needle), "the page refers to {needle:?}");
    }
    for name in TRACKS {
        assert!(html.contains(&format!("data-track=\"{name}\"")), "{name}");
    }
    let data = embedded(&html);
    // The same documents the --json outputs print, under their schemas.
    let with_version = |mut v: serde_json::Value| {
        v.as_object_mut()
            .unwrap()
            .insert("version".to_owned(), 1.into());
        v.to_string()
    };
    common::schema::check(&["status", "--json"], &with_version(data["status"].clone()));
    for o in data["overlap"].as_array().unwrap() {
        common::schema::check(&["overlap", "--json"], &with_version(o.clone()));
    }
    common::schema::check(
        &["checkpoints", "--json"],
        &with_version(serde_json::json!({
            "branch": "integration",
            "checkpoints": data["checkpoints"],
        })),
    );
    assert_eq!(data["checkpoints"].as_array().unwrap().len(), 2);
    common::schema::check(&["graph", "--json"], &with_version(data["graph"].clone()));
    assert_eq!(
        data["graph"]["critical_path"]["tracks"],
        serde_json::json!(["api", "web", "e2e"])
    );
    // Without --output: under the git dir, not in the worktree.
    let default = s.repo.track(&["report"]);
    default.ok();
    assert!(
        default.stdout.trim().ends_with(".git/track/report.html"),
        "{}",
        default.stdout
    );
    let to_stdout = s.repo.track(&["report", "--output", "-"]);
    assert!(to_stdout.ok().stdout.starts_with("<!DOCTYPE html>"));
}

#[test]
fn a_report_that_cannot_be_written_is_a_fatal_error_that_writes_nothing() {
    let s = Scenario::new(&[("f.txt", "f\n")]);
    s.repo.write("blocker", "a file, not a folder\n");
    let before = s.repo.snapshot();
    s.repo
        .track(&["report", "--output", "blocker/report.html"])
        .code(128)
        .stderr_has("fatal: cannot create 'blocker'");
    assert_eq!(s.repo.snapshot(), before);
}

/// The Debian package's binary.
const CHROMIUM: &str = "chromium";

fn chromium(profile: &Path, args: &[&str], page: &Path) -> std::process::Output {
    std::process::Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run chromium")
}

#[test]
fn the_report_renders_in_headless_chromium() {
    if !common::installed(CHROMIUM, &["--version"], "chromium") {
        return;
    }
    let s = eight_tracks();
    let page = s.repo.tmp.path().join("report.html");
    s.repo
        .track(&["report", "--output", page.to_str().unwrap()])
        .ok();
    let profile = tempfile::tempdir().unwrap();

    let dom = chromium(profile.path(), &["--dump-dom"], &page);
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    assert!(dom_text.contains("<svg"), "{dom_text}");
    for name in TRACKS {
        let card = format!("data-track=\"{name}\"><h3>{name}</h3>");
        assert!(dom_text.contains(&card), "no card for {name}");
    }
    // Six tracks are still active (core and docs were merged and are done): 6 x 5 cells a level.
    for level in ["files", "hunks", "conflicts"] {
        let table_at = dom_text
            .find(&format!("data-level=\"{level}\""))
            .unwrap_or_else(|| panic!("no {level} matrix"));
        let table = &dom_text[table_at..table_at + dom_text[table_at..].find("</table>").unwrap()];
        assert_eq!(
            table.matches("<td class=\"h").count() + table.matches("<td class=\"na").count(),
            30,
            "{level}: {table}"
        );
    }
    let conflicts_at = dom_text.find("data-level=\"conflicts\"").unwrap();
    assert!(
        dom_text[conflicts_at..].contains("<td class=\"h4\" data-a=\"api\" data-b=\"web\""),
        "api and web conflict"
    );
    assert!(dom_text.contains("Checkpoint 2"));

    // For a person to look at: target/tmp/report.html and report.png (kept out of git).
    let kept = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::copy(&page, kept.join("report.html")).unwrap();
    let shot = kept.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let out = chromium(
        profile.path(),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
        ],
        &page,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    eprintln!("screenshot of the report: {}", shot.display());
}

/// `--open` hands the written page to the desktop's opener (here a stand-in on PATH);
/// without a working opener the page is still written, with a warning.
#[test]
fn open_hands_the_page_to_xdg_open_and_a_missing_opener_is_only_a_warning() {
    let s = Scenario::new(&[("f.txt", "f\n")]);
    let fake = s.repo.tmp.path().join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let opened = s.repo.tmp.path().join("opened");
    let opener = fake.join("xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > {}.tmp && mv {0}.tmp {0}\n",
            opened.display()
        ),
    )
    .unwrap();
    // `with_system`: the rest of PATH too (where a real xdg-open may be).
    let run = |mode: u32, with_system: bool| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(mode)).unwrap();
        let mut cmd = s.repo.command(common::bin(), &s.repo.root);
        let mut path = format!(
            "{}:{}",
            fake.display(),
            common::bin().parent().unwrap().display()
        );
        if with_system {
            path = format!("{path}:{}", std::env::var("PATH").unwrap_or_default());
        }
        cmd.env("PATH", path);
        cmd.args(["report", "--output", "page.html", "--open"]);
        cmd.output().unwrap()
    };
    let out = run(0o755, true);
    assert!(out.status.success(), "{out:?}");
    let page = s.repo.path("page.html");
    // The opener runs on its own; wait (bounded) for it to say what it was given.
    for _ in 0..200 {
        if opened.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(std::fs::read_to_string(&opened).unwrap(), "page.html");
    assert!(page.exists());

    std::fs::remove_file(&page).unwrap();
    let out = run(0o644, false);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("warning: could not open page.html"),
        "{out:?}"
    );
    assert!(page.exists());
}
